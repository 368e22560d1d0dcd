// The annotations an inference produced (auto-labeling): filter, page, and look at the images.
import { useMemo, useState } from "react";
import { withToken } from "../../api/client";
import { Pager } from "../../components/Pager";
import { useT } from "../../i18n";
import { formatNumber } from "../../lib/format";

export interface Annotation {
  image: string;
  label: string;
  score?: number;
}

const LIMIT = 25;

export function AnnotationsView({ jobId, annotations }: { jobId: string; annotations: Annotation[] }) {
  const t = useT();
  const [label, setLabel] = useState("");
  const [minScore, setMinScore] = useState("");
  const [offset, setOffset] = useState(0);
  const [images, setImages] = useState(true);

  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const a of annotations) c.set(a.label, (c.get(a.label) ?? 0) + 1);
    return [...c.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }));
  }, [annotations]);
  const shown = useMemo(() => {
    const min = Number(minScore || 0);
    return annotations.filter((a) => (!label || a.label === label) && (a.score ?? 1) >= min);
  }, [annotations, label, minScore]);
  const page = shown.slice(offset, offset + LIMIT);

  return (
    <div data-testid="annotations">
      <p className="muted">{t("validation.imagesLabelled", { count: annotations.length })}</p>
      <div className="label-counts">
        {counts.map(([l, n]) => (
          <button key={l} className={l === label ? "tag selected" : "tag"} onClick={() => { setLabel(l === label ? "" : l); setOffset(0); }}>
            {l}: {n}
          </button>
        ))}
      </div>
      <div className="toolbar">
        <label>
          {t("validation.labelFilter")}{" "}
          <select value={label} onChange={(e) => { setLabel(e.target.value); setOffset(0); }} data-testid="annotation-label">
            <option value="">{t("common.all")}</option>
            {counts.map(([l]) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          {t("validation.minScore")}{" "}
          <input type="number" className="narrow" min={0} max={1} step={0.05} value={minScore} onChange={(e) => { setMinScore(e.target.value); setOffset(0); }} />
        </label>
        <label className="check">
          <input type="checkbox" checked={images} onChange={(e) => setImages(e.target.checked)} /> {t("validation.thumbnails")}
        </label>
      </div>
      <table className="table compact" data-testid="annotations-table">
        <thead>
          <tr>
            {images && <th />}
            <th>{t("validation.image")}</th>
            <th>{t("validation.label")}</th>
            <th>{t("validation.score")}</th>
          </tr>
        </thead>
        <tbody>
          {page.map((a) => (
            <tr key={a.image} data-testid="annotation-row">
              {images && (
                <td className="thumb-cell">
                  <img className="thumb" alt={a.label} src={withToken(`/jobs/${jobId}/dataset/${a.image.split("/").map(encodeURIComponent).join("/")}`)} />
                </td>
              )}
              <td className="mono small">{a.image}</td>
              <td>
                <span className="tag">{a.label}</span>
              </td>
              <td>{formatNumber(a.score, 3)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager offset={offset} limit={LIMIT} total={shown.length} onChange={setOffset} />
    </div>
  );
}
