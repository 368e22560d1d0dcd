// API tokens (admins only): create one (its secret is shown once), list them, revoke one.
import { useState } from "react";
import { del, post } from "../api/client";
import type { Token, TokenCreated } from "../api/types";
import { ListTable } from "../components/Table";
import { Card, FieldErrors, FieldMessage, PageHead, RefusalBox } from "../components/ui";
import { useI18n } from "../i18n";
import { formatDate } from "../lib/format";
import { useApi } from "../lib/useApi";

function CreatedToken({ created, onDone }: { created: TokenCreated; onDone: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied(true);
    } catch {
      // no clipboard (plain http on another host): the text is selectable
      window.getSelection()?.selectAllChildren(document.getElementById("new-token") as Node);
    }
  };
  return (
    <div className="warn-box" data-testid="token-created">
      <strong>{t("tokens.onceTitle", { name: created.name })}</strong>
      <p>{t("tokens.onceWarning")}</p>
      <div className="token-line">
        <code id="new-token" data-testid="new-token">
          {created.token}
        </code>
        <button onClick={() => void copy()} data-testid="copy-token">
          {copied ? t("tokens.copied") : t("tokens.copy")}
        </button>
        <button className="link" onClick={onDone} data-testid="token-done">
          {t("tokens.done")}
        </button>
      </div>
    </div>
  );
}

export function TokensPage() {
  const { t, lang } = useI18n();
  const list = useApi<Token[]>("/tokens");
  const [name, setName] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const [days, setDays] = useState("");
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { name: name.trim(), role, expires_in_days: days.trim() ? Number(days) : null };
      setCreated(await post<TokenCreated>("/tokens", body));
      setName("");
      setDays("");
      await list.reload();
    } catch (exc) {
      setError(exc);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (token: Token) => {
    if (!window.confirm(t("tokens.confirmRevoke", { name: token.name }))) return;
    try {
      await del(`/tokens/${token.id}`);
      await list.reload();
    } catch (exc) {
      setError(exc);
    }
  };

  const state = (k: Token) =>
    k.revoked_at ? "revoked" : k.expires_at && new Date(k.expires_at) < new Date() ? "expired" : "active";
  return (
    <div>
      <PageHead title={t("tokens.title")} sub={t("tokens.sub")} />
      <Card title={t("tokens.create")} testId="token-form">
        {created && <CreatedToken created={created} onDone={() => setCreated(null)} />}
        <div className="grid three">
          <label className="field">
            <span>{t("common.name")}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t("tokens.namePlaceholder")} data-testid="token-name" />
            <FieldErrors error={error} fields="name" />
          </label>
          <label className="field">
            <span>{t("tokens.role")}</span>
            <select value={role} onChange={(e) => setRole(e.target.value as "member" | "admin")} data-testid="token-role">
              <option value="member">{t("tokens.member")}</option>
              <option value="admin">{t("tokens.admin")}</option>
            </select>
            <FieldMessage kind="help">{t(role === "admin" ? "tokens.adminHelp" : "tokens.memberHelp")}</FieldMessage>
            <FieldErrors error={error} fields="role" />
          </label>
          <label className="field">
            <span>{t("tokens.expiresInDays")}</span>
            <input type="number" min={1} value={days} onChange={(e) => setDays(e.target.value)} placeholder={t("tokens.never")} data-testid="token-days" />
            <FieldErrors error={error} fields="expires_in_days" />
          </label>
        </div>
        <RefusalBox error={error} />
        <div className="form-actions">
          <button className="primary" disabled={!name.trim() || busy} onClick={() => void create()} data-testid="token-create">
            {t("tokens.createButton")}
          </button>
        </div>
      </Card>
      <Card>
        <ListTable
          rows={list.data}
          error={list.error}
          rowKey={(k) => k.id}
          rowProps={(k) => ({ "data-testid": "token-row", "data-name": k.name, "data-state": state(k) })}
          testId="tokens-table"
          columns={[
            {
              head: t("common.name"),
              cell: (k) => (
                <>
                  {k.name}
                  <div className="muted small mono">{k.id}</div>
                </>
              ),
            },
            { head: t("tokens.role"), cell: (k) => <span className="tag">{t(k.role === "admin" ? "tokens.admin" : "tokens.member")}</span> },
            {
              head: t("common.status"),
              cell: (k) => <span className={`badge token-${state(k)}`}>{t(`tokens.state.${state(k)}` as "tokens.state.active")}</span>,
            },
            { head: t("common.created"), cell: (k) => formatDate(k.created_at, lang), className: "small" },
            { head: t("tokens.expires"), cell: (k) => (k.expires_at ? formatDate(k.expires_at, lang) : t("tokens.never")), className: "small" },
            { head: t("tokens.lastUsed"), cell: (k) => (k.last_used_at ? formatDate(k.last_used_at, lang) : "—"), className: "small" },
            {
              head: null,
              cell: (k) =>
                !k.revoked_at && (
                  <button className="danger" onClick={() => void revoke(k)} data-testid="token-revoke">
                    {t("tokens.revoke")}
                  </button>
                ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
