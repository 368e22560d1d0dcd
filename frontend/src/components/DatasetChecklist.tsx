import type { Dataset } from "../api/types";
import { useT } from "../i18n";
import { formatBytes } from "../lib/format";

/** Datasets to tick; those of another training type than `trainingType` cannot be mixed in. */
export function DatasetChecklist(props: {
  datasets: Dataset[];
  selected: string[];
  onChange: (ids: string[]) => void;
  trainingType?: string | null;
  testId: string;
}) {
  const t = useT();
  const toggle = (id: string, on: boolean) =>
    props.onChange(on ? [...props.selected, id] : props.selected.filter((s) => s !== id));
  return (
    <div className="checklist" data-testid={props.testId}>
      {props.datasets.map((d) => {
        const other = !!props.trainingType && d.training_type !== props.trainingType;
        return (
          <label key={d.id} className={other ? "disabled" : ""}>
            <input
              type="checkbox"
              value={d.name}
              checked={props.selected.includes(d.id)}
              disabled={other && !props.selected.includes(d.id)}
              onChange={(e) => toggle(d.id, e.target.checked)}
            />
            <span>
              <strong>{d.name}</strong> <span className="tag">{d.training_type}</span>{" "}
              <span className="muted small">
                {d.file_count} files, {formatBytes(d.size_bytes)}
                {other ? ` · ${t("train.otherType")}` : ""}
              </span>
            </span>
          </label>
        );
      })}
    </div>
  );
}
