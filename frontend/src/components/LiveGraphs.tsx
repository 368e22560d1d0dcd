// A job's training graphs: one chart per metric file, fetched incrementally (`?offset=`)
// while the job runs, so the curves grow without reloading.
import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import type { Graph } from "../api/types";
import { useJobEvents } from "../api/events";
import { useT } from "../i18n";
import { MetricChart } from "./MetricChart";
import { Empty, ErrorBox } from "./ui";

function append(old: Graph | undefined, part: Graph): Graph {
  if (!old) return part;
  const series: Graph["series"] = {};
  for (const column of new Set([...Object.keys(old.series), ...Object.keys(part.series)])) {
    series[column] = [...(old.series[column] ?? old.x.map(() => null)), ...(part.series[column] ?? part.x.map(() => null))];
  }
  return { ...part, x: [...old.x, ...part.x], series };
}

export function LiveGraphs({ jobId, live }: { jobId: string; live: boolean }) {
  const t = useT();
  const [graphs, setGraphs] = useState<Record<string, Graph>>({});
  const [names, setNames] = useState<string[] | undefined>();
  const [error, setError] = useState<unknown>();
  const known = useRef<Record<string, Graph>>({});
  const busy = useRef(false);

  const poll = useCallback(async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      const found = await api<string[]>(`/jobs/${jobId}/graphs`);
      const next = { ...known.current };
      for (const name of found) {
        const offset = next[name]?.offset ?? 0;
        const part = await api<Graph>(`/jobs/${jobId}/graphs/${encodeURIComponent(name)}?offset=${offset}`);
        // A rewritten file starts over from offset 0.
        next[name] = part.offset < offset ? part : offset === 0 ? part : append(next[name], part);
      }
      known.current = next;
      setGraphs(next);
      setNames(found);
      setError(undefined);
    } catch (exc) {
      setError(exc);
    } finally {
      busy.current = false;
    }
  }, [jobId]);

  useEffect(() => {
    known.current = {};
    void poll();
  }, [poll]);

  useEffect(() => {
    if (!live) {
      void poll(); // the last rows, written just before the job ended
      return;
    }
    const id = window.setInterval(() => void poll(), 1000);
    return () => window.clearInterval(id);
  }, [live, poll]);

  useJobEvents((event) => {
    if (event === null || event.id === jobId) void poll();
  });

  return (
    <div data-testid="graphs">
      <ErrorBox error={error} />
      {names?.length === 0 && <Empty>{t("detail.noGraphs")}</Empty>}
      <div className="charts">
        {names?.map((name) => {
          const g = graphs[name];
          if (!g) return null;
          return (
            <MetricChart
              key={name}
              testId={`chart-${name}`}
              title={name}
              xName={g.x_name}
              x={g.x}
              series={Object.entries(g.series).map(([label, values]) => ({ label, values }))}
            />
          );
        })}
      </div>
    </div>
  );
}
