// One chart: an x axis and one coloured line per series (uPlot: fast on long series).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569", "#ea580c"];

export interface Series {
  label: string;
  values: (number | null)[];
  /** Its line's colour (default: the palette's, by position), width in pixels and dash pattern. */
  color?: string;
  width?: number;
  dash?: number[];
  /** Its points' size in pixels (default 4), filled with its colour: a series of one point stays visible. */
  pointSize?: number;
}

// Epochs and steps are whole numbers: no ticks between them.
const WHOLE_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 1e6, 1e7];

function options(title: string, xName: string, series: Series[], width: number, height: number, wholeX: boolean): uPlot.Options {
  return {
    title,
    width,
    height,
    scales: { x: { time: false } },
    axes: [{ label: xName, stroke: "#475569", ...(wholeX ? { incrs: WHOLE_STEPS } : {}) }, { stroke: "#475569" }],
    series: [
      { label: xName },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.color ?? PALETTE[i % PALETTE.length],
        width: s.width ?? 2,
        ...(s.dash ? { dash: s.dash } : {}),
        spanGaps: true,
        points: s.pointSize ? { show: true, size: s.pointSize, fill: s.color ?? PALETTE[i % PALETTE.length] } : { show: true, size: 4 },
      })),
    ],
    legend: { live: true },
  };
}

/** A link under the chart to the data behind it, e.g. the whole metric file when the chart shows fewer points. */
export interface ChartDownload {
  href: string;
  label: string;
  title?: string;
}

export function MetricChart(props: {
  title: string;
  xName: string;
  x: number[];
  series: Series[];
  height?: number;
  testId?: string;
  download?: ChartDownload;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const height = props.height ?? 240;
  const wholeX = props.x.every(Number.isInteger);
  const shape = [props.title, props.xName, wholeX, ...props.series.map((s) => `${s.label}:${s.color ?? ""}:${s.width ?? ""}:${s.dash?.join(",") ?? ""}:${s.pointSize ?? ""}`)].join("|");
  const data = [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData;

  useEffect(() => {
    const element = host.current!;
    const chart = new uPlot(options(props.title, props.xName, props.series, element.clientWidth || 480, height, wholeX), data, element);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: element.clientWidth || 480, height }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change; new points go through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  const chart = <div className="chart" ref={host} data-testid={props.testId} data-points={props.x.length} />;
  if (!props.download) return chart;
  return (
    <div style={{ minWidth: 0 }}>
      {chart}
      <a className="small muted" href={props.download.href} download title={props.download.title} data-testid={props.testId && `${props.testId}-download`}>
        {props.download.label}
      </a>
    </div>
  );
}
