import { useState } from "react";
import { setToken } from "../api/client";
import { useT } from "../i18n";

export function LoginPage({ refused }: { refused: boolean }) {
  const t = useT();
  const [value, setValue] = useState("");
  return (
    <div className="login">
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          setToken(value);
          window.location.reload();
        }}
      >
        <h1>{t("login.title")}</h1>
        <p className="muted">{t("login.help")}</p>
        {refused && <div className="error-box">{t("login.refused")}</div>}
        <label className="field">
          <span>{t("login.token")}</span>
          <input type="password" value={value} onChange={(e) => setValue(e.target.value)} autoFocus data-testid="token-input" />
        </label>
        <button className="primary" disabled={!value.trim()}>
          {t("login.submit")}
        </button>
      </form>
    </div>
  );
}
