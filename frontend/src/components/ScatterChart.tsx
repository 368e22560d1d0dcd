// A scatter of points, drawn as plain SVG (uPlot draws lines against a shared x): one value
// against another, on a linear, logarithmic or categorical x axis.
import { formatNumber } from "../lib/format";

/** How a point is drawn: `best` on top and larger, `pruned` grey, `running` hollow. */
export type PointKind = "best" | "complete" | "pruned" | "running";

export interface ScatterPoint {
  /** A number on a linear or log axis; a category's label on a categorical one. */
  x: number | string;
  y: number;
  kind: PointKind;
  /** Shown on hover. */
  title: string;
  /** Data attributes the tests find it by. */
  id?: string;
}

export type XScale = { type: "linear" | "log"; domain?: [number, number] } | { type: "category"; categories: string[] };

const W = 440;
const H = 270;
const M = { left: 58, right: 18, top: 30, bottom: 46 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
// Drawn in this order: the best last, on top of the others.
const ORDER: PointKind[] = ["pruned", "running", "complete", "best"];

/** About `count` round values between lo and hi. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const rough = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const norm = rough / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.ceil(Math.log10(lo) - 1e-9); k <= Math.floor(Math.log10(hi) + 1e-9); k++) ticks.push(10 ** k);
  if (ticks.length >= 2) return ticks;
  // Less than a decade: round values spread on the log scale.
  return niceTicks(lo, hi, 4).filter((v) => v > 0);
}

function extent(values: number[], pad: number): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    const d = Math.abs(lo) * 0.1 || 1;
    return [lo - d, hi + d];
  }
  const d = (hi - lo) * pad;
  lo -= d;
  hi += d;
  return [lo, hi];
}

export function ScatterChart(props: { title: string; xName: string; yName: string; scale: XScale; points: ScatterPoint[]; testId?: string }) {
  const { scale, points } = props;
  const ys = points.map((p) => p.y);
  const [yLo, yHi] = ys.length ? extent(ys, 0.08) : [0, 1];
  const py = (y: number) => M.top + PLOT_H - ((y - yLo) / (yHi - yLo)) * PLOT_H;

  let px: (x: number | string) => number;
  let xTicks: { at: number; label: string }[];
  if (scale.type === "category") {
    const n = Math.max(scale.categories.length, 1);
    const band = PLOT_W / n;
    px = (x) => M.left + (Math.max(0, scale.categories.indexOf(String(x))) + 0.5) * band;
    xTicks = scale.categories.map((c, i) => ({ at: M.left + (i + 0.5) * band, label: c }));
  } else {
    const numbers = points.map((p) => Number(p.x)).filter((v) => Number.isFinite(v) && (scale.type === "linear" || v > 0));
    const all = [...numbers, ...(scale.domain ?? [])].filter((v) => scale.type === "linear" || v > 0);
    const log = scale.type === "log";
    const f = (v: number) => (log ? Math.log10(v) : v);
    const [lo, hi] = all.length ? extent(all.map(f), scale.domain ? 0.03 : 0.08) : [0, 1];
    px = (x) => M.left + ((f(Number(x)) - lo) / (hi - lo)) * PLOT_W;
    const ticks = log ? logTicks(10 ** lo, 10 ** hi) : niceTicks(lo, hi);
    xTicks = ticks.map((v) => ({ at: px(v), label: formatNumber(v, 3) }));
  }
  const yTicks = niceTicks(yLo, yHi).map((v) => ({ at: py(v), label: formatNumber(v, 3) }));
  const sorted = [...points].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));

  return (
    <figure className="scatter" data-testid={props.testId} data-points={points.length}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        <text x={W / 2} y={18} textAnchor="middle" className="scatter-title">
          {props.title}
        </text>
        <rect x={M.left} y={M.top} width={PLOT_W} height={PLOT_H} className="scatter-frame" />
        {yTicks.map((tk) => (
          <g key={`y${tk.label}`}>
            <line x1={M.left} x2={M.left + PLOT_W} y1={tk.at} y2={tk.at} className="scatter-grid" />
            <text x={M.left - 6} y={tk.at + 4} textAnchor="end" className="scatter-tick">
              {tk.label}
            </text>
          </g>
        ))}
        {xTicks.map((tk, i) => (
          <g key={`x${i}`}>
            <line x1={tk.at} x2={tk.at} y1={M.top} y2={M.top + PLOT_H} className="scatter-grid" />
            <text x={tk.at} y={M.top + PLOT_H + 15} textAnchor="middle" className="scatter-tick">
              {tk.label}
            </text>
          </g>
        ))}
        <text x={M.left + PLOT_W / 2} y={H - 8} textAnchor="middle" className="scatter-axis">
          {props.xName}
        </text>
        <text x={14} y={M.top + PLOT_H / 2} textAnchor="middle" transform={`rotate(-90 14 ${M.top + PLOT_H / 2})`} className="scatter-axis">
          {props.yName}
        </text>
        {sorted.map((p, i) => (
          <circle key={p.id ?? i} cx={px(p.x)} cy={py(p.y)} r={p.kind === "best" ? 7 : 5} className={`point point-${p.kind}`} data-kind={p.kind} data-id={p.id}>
            <title>{p.title}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}

/** What the point kinds look like, with their names. */
export function ScatterLegend({ labels }: { labels: Record<PointKind, string> }) {
  return (
    <div className="scatter-legend small muted">
      {(["best", "complete", "pruned", "running"] as PointKind[]).map((kind) => (
        <span key={kind}>
          <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden>
            <circle cx="7" cy="7" r={kind === "best" ? 6 : 4.5} className={`point point-${kind}`} />
          </svg>{" "}
          {labels[kind]}
        </span>
      ))}
    </div>
  );
}
