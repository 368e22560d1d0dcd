// The frame: a left navigation, the live-stream indicator, the language switch.
import type { ReactNode } from "react";
import { NavLink } from "react-router-dom";
import { clearToken } from "../api/client";
import { useConnection } from "../api/events";
import type { Project } from "../api/types";
import { useI18n, type Lang } from "../i18n";
import { useApi } from "../lib/useApi";

function LiveIndicator() {
  const { t } = useI18n();
  const connection = useConnection();
  return (
    <div className={`live live-${connection}`} data-testid="live-indicator" data-state={connection}>
      <span className="dot" /> {t(`live.${connection}`)}
    </div>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const project = useApi<Project>("/project");
  const links: [string, string][] = [
    ["/models", t("nav.models")],
    ["/experiments", t("nav.experiments")],
    ["/queue", t("nav.queue")],
    ["/kernels", t("nav.kernels")],
    ["/datasets", t("nav.datasets")],
    ["/dlaas", t("nav.dlaas")],
  ];
  // Only admins manage tokens; a member would only be refused there.
  if (project.data?.role === "admin") links.push(["/tokens", t("nav.tokens")]);
  return (
    <div className="shell">
      <nav className="sidebar">
        <div className="brand">
          <span className="logo">V</span> VLAD
        </div>
        <div className="brand-sub">{t("app.title")}</div>
        {links.map(([to, label]) => (
          <NavLink key={to} to={to} className={({ isActive }) => (isActive ? "nav active" : "nav")} data-testid={`nav-${to.slice(1)}`}>
            {label}
          </NavLink>
        ))}
        <a className="nav" href="/docs" target="_blank" rel="noreferrer">
          {t("nav.api")} ↗
        </a>
        <div className="sidebar-foot">
          <LiveIndicator />
          <label className="lang">
            {t("lang.label")}{" "}
            <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="lang-select">
              <option value="en">English</option>
              <option value="ko">한국어</option>
            </select>
          </label>
          <button
            className="link small"
            onClick={() => {
              clearToken();
              window.location.reload();
            }}
          >
            {t("nav.signOut")}
          </button>
        </div>
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}
