// English and Korean, switchable; the choice is remembered in localStorage.
import { createContext, useContext, useState, type ReactNode } from "react";
import { en, type MessageKey } from "./en";
import { ko } from "./ko";

export type Lang = "en" | "ko";
const LANG_KEY = "vlad.lang";
const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, ko };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
}

function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === "en" || saved === "ko") return saved;
  return navigator.language.toLowerCase().startsWith("ko") ? "ko" : "en";
}

function translate(lang: Lang): Translate {
  return (key, vars) => {
    let text = dictionaries[lang][key] ?? en[key] ?? key;
    for (const [name, value] of Object.entries(vars ?? {})) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };
}

const I18nContext = createContext<I18n>({ lang: "en", setLang: () => {}, t: translate("en") });

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = (next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    document.documentElement.lang = next;
    setLangState(next);
  };
  document.documentElement.lang = lang;
  return <I18nContext.Provider value={{ lang, setLang, t: translate(lang) }}>{children}</I18nContext.Provider>;
}

export const useI18n = (): I18n => useContext(I18nContext);
export const useT = (): Translate => useContext(I18nContext).t;
