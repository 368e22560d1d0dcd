// A validation's scores: accuracy, the per-class table and the confusion matrix.
import { useT } from "../../i18n";
import { formatNumber } from "../../lib/format";

export interface Scores {
  accuracy?: number;
  count?: number;
  per_class?: Record<string, { precision?: number; recall?: number; support?: number }>;
  confusion_matrix?: { labels: string[]; matrix: number[][] };
}

export const isScores = (r: Record<string, unknown>): boolean => "accuracy" in r || "per_class" in r || "confusion_matrix" in r;

function ConfusionMatrix({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  const t = useT();
  const max = Math.max(1, ...matrix.flat());
  return (
    <div className="scroll-x">
      <p className="muted small">{t("validation.confusionHelp")}</p>
      <table className="matrix" data-testid="confusion-matrix">
        <thead>
          <tr>
            <th />
            {labels.map((l) => (
              <th key={l}>{l}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr key={i}>
              <th>{labels[i]}</th>
              {row.map((n, j) => {
                const alpha = n / max;
                const colour = i === j ? `rgba(22, 163, 74, ${0.12 + alpha * 0.8})` : n ? `rgba(220, 38, 38, ${0.15 + alpha * 0.8})` : "transparent";
                return (
                  <td key={j} style={{ background: colour, color: alpha > 0.6 ? "white" : undefined }}>
                    {n || ""}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ScoresView({ scores }: { scores: Scores }) {
  const t = useT();
  const perClass = Object.entries(scores.per_class ?? {});
  return (
    <div data-testid="scores">
      <div className="stats">
        {scores.accuracy !== undefined && (
          <div className="stat">
            <div className="stat-value" data-testid="accuracy">
              {(scores.accuracy * 100).toFixed(2)} %
            </div>
            <div className="muted">{t("validation.accuracy")}</div>
          </div>
        )}
        {scores.count !== undefined && (
          <div className="stat">
            <div className="stat-value">{scores.count}</div>
            <div className="muted">{t("validation.count")}</div>
          </div>
        )}
      </div>
      <div className="grid two">
        {perClass.length > 0 && (
          <div>
            <h3>{t("validation.perClass")}</h3>
            <table className="table compact" data-testid="per-class">
              <thead>
                <tr>
                  <th>{t("validation.label")}</th>
                  <th>{t("validation.precision")}</th>
                  <th>{t("validation.recall")}</th>
                  <th>{t("validation.support")}</th>
                </tr>
              </thead>
              <tbody>
                {perClass.map(([label, s]) => (
                  <tr key={label}>
                    <td>{label}</td>
                    <td>{formatNumber(s.precision, 3)}</td>
                    <td>{formatNumber(s.recall, 3)}</td>
                    <td>{s.support ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {scores.confusion_matrix && (
          <div>
            <h3>{t("validation.confusion")}</h3>
            <ConfusionMatrix labels={scores.confusion_matrix.labels} matrix={scores.confusion_matrix.matrix} />
          </div>
        )}
      </div>
    </div>
  );
}
