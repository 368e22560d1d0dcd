import type { JsonSchema } from "../../api/types";
import { Card, FieldMessage } from "../../components/ui";
import { useT } from "../../i18n";
import { BATCH_PROBLEMS, type BatchPlan, type BatchState } from "./batch";

export function BatchSection(props: {
  batch: BatchState;
  onChange: (b: BatchState) => void;
  plan: BatchPlan;
  problems: string[];
  schema: JsonSchema | null;
}) {
  const t = useT();
  const { batch, onChange, plan } = props;
  const set = (changes: Partial<BatchState>) => onChange({ ...batch, ...changes });
  const fields = Object.keys(props.schema?.properties ?? {});
  return (
    <Card title={t("train.batch")} testId="batch">
      <label className="check">
        <input type="checkbox" checked={batch.enabled} onChange={(e) => set({ enabled: e.target.checked })} data-testid="batch-enable" />
        {t("train.batchEnable")}
      </label>
      {batch.enabled && (
        <>
          <label className="field">
            <span>{t("train.batchName")}</span>
            <input value={batch.name} onChange={(e) => set({ name: e.target.value })} data-testid="batch-name" />
          </label>
          <div className="radio-row">
            <label className="check">
              <input type="radio" checked={batch.mode === "grid"} onChange={() => set({ mode: "grid" })} /> {t("train.batchGrid")}
            </label>
            <label className="check">
              <input type="radio" checked={batch.mode === "list"} onChange={() => set({ mode: "list" })} /> {t("train.batchList")}
            </label>
          </div>
          {batch.mode === "grid" ? (
            <table className="table compact">
              <thead>
                <tr>
                  <th>{t("train.batchParam")}</th>
                  <th>{t("train.batchValues")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {batch.rows.map((row, i) => (
                  <tr key={i}>
                    <td>
                      <input
                        list="hp-fields"
                        value={row.key}
                        data-testid={`batch-key-${i}`}
                        onChange={(e) => set({ rows: batch.rows.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)) })}
                      />
                    </td>
                    <td>
                      <input
                        value={row.values}
                        data-testid={`batch-values-${i}`}
                        onChange={(e) => set({ rows: batch.rows.map((r, j) => (j === i ? { ...r, values: e.target.value } : r)) })}
                      />
                    </td>
                    <td>
                      <button className="link" onClick={() => set({ rows: batch.rows.filter((_, j) => j !== i) })}>
                        {t("train.batchRemove")}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <label className="field">
              <textarea rows={4} className="mono" value={batch.listText} onChange={(e) => set({ listText: e.target.value })} data-testid="batch-list" />
              <FieldMessage kind="help">{t("train.batchListHelp")}</FieldMessage>
            </label>
          )}
          <datalist id="hp-fields">
            {fields.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
          {batch.mode === "grid" && (
            <button className="link" onClick={() => set({ rows: [...batch.rows, { key: "", values: "" }] })}>
              + {t("train.batchAdd")}
            </button>
          )}
          <div className="muted" data-testid="batch-count">
            {t("train.batchRuns", { count: plan.runs.length })}
          </div>
          <label className="field">
            <span>{t("train.batchMaxParallel")}</span>
            <input
              type="number"
              className="narrow"
              min={1}
              step={1}
              value={batch.maxParallel}
              placeholder={t("experiments.noCap")}
              onChange={(e) => set({ maxParallel: e.target.value })}
              aria-invalid={plan.problem === "maxParallel"}
              data-testid="batch-max-parallel"
            />
            <FieldMessage kind="help">{t("train.batchMaxParallelHelp")}</FieldMessage>
          </label>
          {plan.problem && <FieldMessage>{t(BATCH_PROBLEMS[plan.problem])}</FieldMessage>}
          {props.problems.map((p, i) => (
            <FieldMessage key={i}>{p}</FieldMessage>
          ))}
        </>
      )}
    </Card>
  );
}
