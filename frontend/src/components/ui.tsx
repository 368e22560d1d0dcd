// Small building blocks: cards, key/value lists, errors, loading.
import type { ReactNode } from "react";
import { ApiError, errorText, type FieldError } from "../api/client";
import { useT } from "../i18n";

export function Card(props: { title?: ReactNode; actions?: ReactNode; children: ReactNode; testId?: string; wide?: boolean }) {
  return (
    <section className={props.wide ? "card wide" : "card"} data-testid={props.testId}>
      {(props.title || props.actions) && (
        <header className="card-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div className="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}

export function KV({ rows }: { rows: [ReactNode, ReactNode][] }) {
  return (
    <dl className="kv">
      {rows.map(([k, v], i) => (
        <div key={i}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** An API error as words: what was refused and each field's problem. */
export function ErrorBox({ error }: { error: unknown }) {
  const t = useT();
  if (!error) return null;
  const fields: FieldError[] = error instanceof ApiError ? error.errors : [];
  return (
    <div className="error-box" role="alert" data-testid="error-box">
      <strong>{t("common.errorTitle")}:</strong> {errorText(error)}
      {fields.length > 0 && (
        <ul>
          {fields.map((f, i) => (
            <li key={i}>
              <code>{f.field}</code>: {f.problem}
              {f.allowed ? ` (${t("common.allowed", { allowed: f.allowed })})` : ""}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A problem shown under the form field it is about. */
export function FieldMessage({ children, kind = "error", testId }: { children: ReactNode; kind?: "error" | "warn" | "help"; testId?: string }) {
  if (!children) return null;
  return (
    <div className={`field-msg ${kind}`} data-testid={testId}>
      {kind !== "help" && <span aria-hidden>⚠ </span>}
      {children}
    </div>
  );
}

export function Loading({ what }: { what?: unknown }) {
  const t = useT();
  if (what !== undefined) return null;
  return <div className="muted">{t("common.loading")}</div>;
}

export function Empty({ children }: { children?: ReactNode }) {
  const t = useT();
  return <div className="empty">{children ?? t("common.empty")}</div>;
}

export function PageHead({ title, actions, sub }: { title: ReactNode; actions?: ReactNode; sub?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {sub && <div className="muted">{sub}</div>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

/** The refusal's problems about `fields` (a name, or a test on it), under the field they are about. */
export function FieldErrors({ error, fields }: { error: unknown; fields: string | ((field: string) => boolean) }) {
  const t = useT();
  const about = typeof fields === "string" ? (f: string) => f === fields : fields;
  const found = error instanceof ApiError ? error.errors.filter((e) => about(e.field)) : [];
  return (
    <>
      {found.map((e, i) => (
        <FieldMessage key={i} testId="field-error">
          <span data-field={e.field}>
            {typeof fields === "string" ? "" : <code>{e.field}</code>}
            {typeof fields === "string" ? "" : ": "}
            {e.problem}
            {e.allowed ? ` (${t("common.allowed", { allowed: e.allowed })})` : ""}
          </span>
        </FieldMessage>
      ))}
    </>
  );
}

/** A refusal's summary alone, when its problems are shown at their fields. */
export function RefusalBox({ error }: { error: unknown }) {
  const t = useT();
  if (!error) return null;
  return (
    <div className="error-box" role="alert" data-testid="error-box">
      <strong>{t("common.errorTitle")}:</strong> {errorText(error)}
    </div>
  );
}
