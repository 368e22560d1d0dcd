// The hyperparameter editor (JSON) with the kernel's schema beside it; every problem is
// shown at its field, in the editor and in the schema, before anything is submitted.
import { useMemo } from "react";
import type { JsonSchema } from "../../api/types";
import { JsonEditor, type Marker } from "../../components/JsonEditor";
import { SchemaPanel } from "../../components/SchemaPanel";
import { Card, FieldMessage } from "../../components/ui";
import { useT } from "../../i18n";
import { locate } from "../../lib/jsonPositions";
import type { SchemaProblem } from "../../lib/schema";

export interface ParsedJson {
  value?: Record<string, unknown>;
  error?: { message: string; offset: number };
}

export function HyperparameterSection(props: {
  text: string;
  onText: (text: string) => void;
  parsed: ParsedJson;
  schema: JsonSchema | null;
  problems: SchemaProblem[];
}) {
  const t = useT();
  const { text, parsed, problems } = props;
  const markers = useMemo<Marker[]>(() => {
    if (parsed.error) return [{ from: parsed.error.offset, to: parsed.error.offset + 1, message: parsed.error.message }];
    return problems.map((p) => ({
      ...locate(text, p.pointer),
      message: p.allowed ? `${p.problem} (${t("common.allowed", { allowed: p.allowed })})` : p.problem,
    }));
  }, [text, parsed, problems, t]);

  return (
    <Card title={t("train.hyperparameters")} wide testId="hyperparameters">
      <div className="grid editor-grid">
        <div>
          <JsonEditor value={text} onChange={props.onText} markers={markers} testId="hp-editor" />
          {parsed.error && <FieldMessage testId="hp-json-error">{t("train.invalidJson", { error: parsed.error.message })}</FieldMessage>}
          {!parsed.error && problems.length > 0 && (
            <div className="warn-box" data-testid="hp-problems">
              <strong>⚠ {t("train.hpErrors", { count: problems.length })}</strong>
              <ul>
                {problems.map((p, i) => (
                  <li key={i} data-testid="hp-problem" data-field={p.field}>
                    <code>{p.field}</code>: {p.problem}
                    {p.allowed && <span className="muted"> ({t("common.allowed", { allowed: p.allowed })})</span>}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {!parsed.error && problems.length === 0 && props.schema && (
            <FieldMessage kind="help" testId="hp-ok">
              ✓ {t("train.hpValid")}
            </FieldMessage>
          )}
        </div>
        <div>
          <h3>{t("train.schema")}</h3>
          <p className="muted small">{t("train.schemaHelp")}</p>
          {props.schema && <SchemaPanel schema={props.schema} problems={problems} />}
        </div>
      </div>
    </Card>
  );
}
