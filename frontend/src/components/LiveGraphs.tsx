// A job's training graphs: one chart per metric file, fetched incrementally (`?offset=`)
// while the job runs, so the curves grow without reloading. A long file is thinned on the
// server (`max_points`: each series' extremes kept); its whole file is a download away.
// A restarted job's next attempt writes its rows again from its checkpoint's x on: only a
// read from offset 0 merges the attempts (the server drops the rows that were superseded),
// so each graph is read whole again when the attempt changes, and when rows go back.
import { useEffect, useRef } from "react";
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
  /** The job's attempt these were read for. */
  attempt?: number;
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

const read = (jobId: string, name: string, offset: number): Promise<Graph> =>
  api<Graph>(`/jobs/${jobId}/graphs/${encodeURIComponent(name)}?offset=${offset}&max_points=${MAX_POINTS}`);

/** Rows appended by a later attempt that start at or before the last x drawn. */
const goesBack = (old: Graph, part: Graph): boolean =>
  part.x.length > 0 && old.x.length > 0 && part.x[0] <= old.x[old.x.length - 1];

async function readOn(jobId: string, graphs: Graphs, attempt: number): Promise<Graphs> {
  const names = await api<string[]>(`/jobs/${jobId}/graphs`);
  const byName = { ...graphs.byName };
  // Another attempt than the one read for: every graph is read whole again.
  const sameAttempt = graphs.attempt === attempt;
  for (const name of names) {
    const old = sameAttempt ? byName[name] : undefined;
    // Rows appended while watching pile up unthinned: past twice the budget, read it all again.
    const offset = old && old.x.length <= 2 * MAX_POINTS ? old.offset : 0;
    const part = await read(jobId, name, offset);
    // A rewritten file starts over from offset 0.
    if (part.offset < offset || offset === 0 || !old) byName[name] = part;
    // A restarted job's rows going back replace some drawn: the whole read merges them.
    else if (attempt > 1 && goesBack(old, part)) byName[name] = await read(jobId, name, 0);
    else byName[name] = append(old, part);
  }
  return { names, byName, attempt };
}

/** `attempt`: the job's (1 unless restarted or resumed); a new one reads every graph again. */
export function LiveGraphs({ jobId, live, attempt = 1 }: { jobId: string; live: boolean; attempt?: number }) {
  const t = useT();
  const graphs = useOffsetPolling(jobId, NOTHING_YET, (current) => readOn(jobId, current, attempt), { live, everyMs: 1000 });
  const { poll } = graphs;

  useJobEvents((event) => {
    if (event === null || event.id === jobId) poll();
  });

  // Read at once when the attempt changes (while a read is under way, the next poll reads
  // for the new attempt: a job that goes on to another attempt is live).
  const seen = useRef(attempt);
  useEffect(() => {
    if (seen.current === attempt) return;
    seen.current = attempt;
    poll();
  }, [attempt, poll]);

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
