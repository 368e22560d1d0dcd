// An experiment: its runs side by side with their final metrics, one metric of all runs on
// one chart, and how many of its runs may run at once (changeable); for a search, its trials
// (pages/experiments/SearchSection), read again every few seconds while it runs.
import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api, errorText } from "../api/client";
import { useJobEvents } from "../api/events";
import type { Experiment, ExperimentRun, Graph } from "../api/types";
import { MetricChart, type Series } from "../components/MetricChart";
import { StatusCell } from "../components/Status";
import { Table } from "../components/Table";
import { Card, Empty, ErrorBox, FieldMessage, Loading, PageHead } from "../components/ui";
import { useT } from "../i18n";
import { formatNumber } from "../lib/format";
import { useApi, useThrottled } from "../lib/useApi";
import { StatusCounts } from "./ExperimentsPage";
import { SearchSection, searchSpace } from "./experiments/SearchSection";
import { parseMaxParallel } from "./train/scheduling";

interface Curves {
  xName: string;
  x: number[];
  series: Series[];
}

/** One column of one graph for every run, on a shared x axis. */
async function loadCurves(experiment: Experiment, metric: string): Promise<Curves> {
  const dot = metric.indexOf(".");
  const graph = metric.slice(0, dot);
  const column = metric.slice(dot + 1);
  const runs = await Promise.all(
    experiment.runs.map(async (r) => {
      try {
        return { name: r.model.name, graph: await api<Graph>(`/jobs/${r.model.id}/graphs/${encodeURIComponent(graph)}?max_points=500`) };
      } catch {
        return { name: r.model.name, graph: null };
      }
    }),
  );
  const xs = [...new Set(runs.flatMap((r) => r.graph?.x ?? []))].sort((a, b) => a - b);
  const series = runs.map((r) => {
    const byX = new Map<number, number | null>();
    r.graph?.x.forEach((x, i) => byX.set(x, r.graph!.series[column]?.[i] ?? null));
    return { label: r.name, values: xs.map((x) => byX.get(x) ?? null) };
  });
  return { xName: runs.find((r) => r.graph)?.graph?.x_name ?? "", x: xs, series };
}

// A search asks for its next trials and prunes runs without a job event saying so.
const SEARCH_POLL_MS = 2000;

function varyingKeys(experiment: Experiment): string[] {
  const spec = experiment.spec as { grid?: Record<string, unknown>; runs?: Record<string, unknown>[] };
  return [
    ...new Set([...Object.keys(spec.grid ?? {}), ...(spec.runs ?? []).flatMap((r) => Object.keys(r)), ...Object.keys(searchSpace(experiment))]),
  ];
}

/** Runs at once: shown, and changed in place (empty: no cap). */
function MaxParallel({ experiment, onSaved }: { experiment: Experiment; onSaved: (e: Experiment) => void }) {
  const t = useT();
  const current = experiment.max_parallel ?? null;
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const text = draft ?? (current === null ? "" : String(current));
  const parsed = parseMaxParallel(text);
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const saved = await api<Experiment>(`/experiments/${experiment.id}`, { method: "PATCH", json: { max_parallel: parsed } });
      setDraft(null);
      onSaved(saved);
    } catch (exc) {
      setError(exc);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="field" data-testid="max-parallel">
      <span>
        {t("experiments.maxParallel")}:{" "}
        <strong data-testid="max-parallel-value">{current === null ? t("experiments.noCap") : t("experiments.atMost", { n: current })}</strong>
      </span>
      <div>
        <input
          type="number"
          className="narrow"
          min={1}
          step={1}
          value={text}
          placeholder={t("experiments.noCap")}
          aria-label={t("experiments.maxParallel")}
          aria-invalid={parsed === undefined}
          onChange={(e) => setDraft(e.target.value)}
          data-testid="max-parallel-input"
        />{" "}
        <button onClick={() => void save()} disabled={busy || parsed === undefined || parsed === current} data-testid="max-parallel-save">
          {busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
      <FieldMessage kind="help">{t("experiments.maxParallelHelp")}</FieldMessage>
      {parsed === undefined && <FieldMessage>{t("train.batchMaxParallelInvalid")}</FieldMessage>}
      {!!error && <FieldMessage testId="max-parallel-error">{errorText(error)}</FieldMessage>}
    </div>
  );
}

export function ExperimentDetailPage() {
  const t = useT();
  const { id = "" } = useParams();
  const experiment = useApi<Experiment>(`/experiments/${id}`);
  const [metric, setMetric] = useState("");
  const [curves, setCurves] = useState<Curves | null>(null);
  const e = experiment.data;

  const metrics = useMemo(() => [...new Set(e?.runs.flatMap((r) => Object.keys(r.final_metrics)) ?? [])].sort(), [e]);
  const chosen = metric || metrics.find((m) => m.includes("val")) || metrics[0] || "";
  useEffect(() => {
    if (!e || !chosen) return;
    let cancelled = false;
    void loadCurves(e, chosen).then((c) => !cancelled && setCurves(c));
    return () => {
      cancelled = true;
    };
  }, [e, chosen]);

  const reload = useThrottled(() => void experiment.reload(), 1500);
  useJobEvents((event) => {
    if (!event || e?.runs.some((r) => r.model.id === event.id)) reload();
  });
  const searching = e?.search?.state === "running";
  const { reload: reloadNow } = experiment;
  useEffect(() => {
    if (!searching) return;
    const timer = window.setInterval(() => void reloadNow(), SEARCH_POLL_MS);
    return () => window.clearInterval(timer);
  }, [searching, reloadNow]);

  if (!e) return <>{experiment.error ? <ErrorBox error={experiment.error} /> : <Loading />}</>;
  const keys = varyingKeys(e);
  return (
    <div data-testid="experiment-detail">
      <PageHead title={e.name} sub={<StatusCounts counts={e.status_counts} />} />
      {e.description && <p>{e.description}</p>}
      {e.search && <SearchSection experiment={e} search={e.search} />}
      <Card>
        <MaxParallel experiment={e} onSaved={(saved) => experiment.setData((old) => old && { ...old, max_parallel: saved.max_parallel })} />
      </Card>
      <Card title={t("experiments.runs")} wide>
        <div className="scroll-x">
          <Table
            rows={e.runs}
            rowKey={(r) => r.model.id}
            testId="runs-table"
            columns={[
              { key: "run", head: t("experiments.run"), cell: (r) => <Link to={`/models/${r.model.id}`}>{r.model.name}</Link> },
              { key: "status", head: t("common.status"), cell: (r) => <StatusCell status={r.model.status} job={r.model.job} /> },
              ...keys.map((k) => ({
                key: `param:${k}`,
                head: k,
                headClassName: "param",
                className: "mono",
                cell: (r: ExperimentRun) => JSON.stringify(r.model.hyperparameters[k]),
              })),
              ...metrics.map((m) => ({
                key: `metric:${m}`,
                head: m,
                headClassName: "num",
                className: "num",
                cell: (r: ExperimentRun) => formatNumber(r.final_metrics[m]),
              })),
            ]}
          />
        </div>
      </Card>
      <Card
        title={t("experiments.curves")}
        wide
        actions={
          metrics.length > 0 && (
            <label>
              {t("experiments.metric")}{" "}
              <select value={chosen} onChange={(ev) => setMetric(ev.target.value)} data-testid="metric-select">
                {metrics.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </label>
          )
        }
      >
        {!metrics.length && <Empty>{t("experiments.noMetrics")}</Empty>}
        {curves && chosen && <MetricChart title={chosen} xName={curves.xName} x={curves.x} series={curves.series} height={320} testId="experiment-chart" />}
      </Card>
    </div>
  );
}
