// The kernel's schema beside the editor: one row per field, marked where there is a problem.
import type { JsonSchema } from "../api/types";
import { useT } from "../i18n";
import type { SchemaProblem } from "../lib/schema";
import { describe } from "../lib/schemaText";

export function SchemaPanel({ schema, problems = [] }: { schema: JsonSchema; problems?: SchemaProblem[] }) {
  const t = useT();
  const required = new Set(schema.required ?? []);
  const properties = Object.entries(schema.properties ?? {});
  const byField = new Map<string, SchemaProblem[]>();
  for (const p of problems) {
    const top = p.field.split(".")[0];
    byField.set(top, [...(byField.get(top) ?? []), p]);
  }
  const unknown = [...byField.keys()].filter((f) => !(schema.properties ?? {})[f]);
  return (
    <div className="schema-panel" data-testid="schema-panel">
      <table className="table compact">
        <thead>
          <tr>
            <th>{t("kernels.property")}</th>
            <th>{t("kernels.constraints")}</th>
          </tr>
        </thead>
        <tbody>
          {properties.map(([name, sub]) => {
            const found = byField.get(name);
            return (
              <tr key={name} className={found ? "has-problem" : ""} data-testid={`schema-row-${name}`}>
                <td>
                  <code>{name}</code>
                  {required.has(name) && <span className="req" title={t("kernels.required")}> *</span>}
                </td>
                <td>
                  <div>{describe(sub) || "—"}</div>
                  {sub.default !== undefined && (
                    <div className="muted small">
                      {t("kernels.default")}: <code>{JSON.stringify(sub.default)}</code>
                    </div>
                  )}
                  {sub.description && <div className="muted small">{sub.description}</div>}
                  {found?.map((p, i) => (
                    <div key={i} className="field-msg error">
                      ⚠ {p.problem}
                    </div>
                  ))}
                </td>
              </tr>
            );
          })}
          {unknown.map((name) => (
            <tr key={name} className="has-problem">
              <td>
                <code>{name}</code>
              </td>
              <td>
                {byField.get(name)?.map((p, i) => (
                  <div key={i} className="field-msg error">
                    ⚠ {p.problem}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
