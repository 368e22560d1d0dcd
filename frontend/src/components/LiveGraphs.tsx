// A job's training graphs: one chart per metric file, fetched incrementally (`?offset=`)
// while the job runs, so the curves grow without reloading. A long file is thinned on the
// server (`max_points`: each series' extremes kept); its whole file is a download away.
import { api, withToken } from "../api/client";
import type { Graph } from "../api/types";
import { useJobEvents } from "../api/events";
import { useT } from "../i18n";
import { useOffsetPolling } from "../lib/useOffsetPolling";
import { MetricChart } from "./MetricChart";
import { Empty, ErrorBox } from "./ui";

/** Points asked per read: a chart is a few hundred pixels wide. */
export const MAX_POINTS = 2000;

interface Graphs {
  /** The job's metric files; undefined until the first answer. */
  names: string[] | undefined;
  byName: Record<string, Graph>;
}

const NOTHING_YET: Graphs = { names: undefined, byName: {} };

function append(old: Graph | undefined, part: Graph): Graph {
  if (!old) return part;
  const series: Graph["series"] = {};
  for (const column of new Set([...Object.keys(old.series), ...Object.keys(part.series)])) {
    series[column] = [...(old.series[column] ?? old.x.map(() => null)), ...(part.series[column] ?? part.x.map(() => null))];
  }
  return {
    ...part,
    x: [...old.x, ...part.x],
    series,
    total_points: old.total_points + part.total_points,
    downsampled: old.downsampled || part.downsampled,
  };
}

async function readOn(jobId: string, graphs: Graphs): Promise<Graphs> {
  const names = await api<string[]>(`/jobs/${jobId}/graphs`);
  const byName = { ...graphs.byName };
  for (const name of names) {
    const old = byName[name];
    // Rows appended while watching pile up unthinned: past twice the budget, read it all again.
    const offset = old && old.x.length <= 2 * MAX_POINTS ? old.offset : 0;
    const part = await api<Graph>(`/jobs/${jobId}/graphs/${encodeURIComponent(name)}?offset=${offset}&max_points=${MAX_POINTS}`);
    // A rewritten file starts over from offset 0.
    byName[name] = part.offset < offset ? part : offset === 0 ? part : append(old, part);
  }
  return { names, byName };
}

export function LiveGraphs({ jobId, live }: { jobId: string; live: boolean }) {
  const t = useT();
  const graphs = useOffsetPolling(jobId, NOTHING_YET, (current) => readOn(jobId, current), { live, everyMs: 1000 });

  useJobEvents((event) => {
    if (event === null || event.id === jobId) graphs.poll();
  });

  const { names, byName } = graphs.value;
  return (
    <div data-testid="graphs">
      <ErrorBox error={graphs.error} />
      {names?.length === 0 && <Empty>{t("detail.noGraphs")}</Empty>}
      <div className="charts">
        {names?.map((name) => {
          const g = byName[name];
          if (!g) return null;
          // Drawn / in the file, when thinned: the download has every row.
          const shown = g.downsampled ? `${g.x.length.toLocaleString()} / ` : "";
          return (
            <MetricChart
              key={name}
              testId={`chart-${name}`}
              title={name}
              xName={g.x_name}
              x={g.x}
              series={Object.entries(g.series).map(([label, values]) => ({ label, values }))}
              download={{
                href: withToken(`/jobs/${jobId}/graphs/${encodeURIComponent(name)}/download`),
                label: `${t("common.download")} (${shown}${g.total_points.toLocaleString()})`,
              }}
            />
          );
        })}
      </div>
    </div>
  );
}
