// An experiment that searches (issue 14): where the search stands and its best trial so far,
// the objective of every trial over its steps, each hyperparameter against the objective,
// and the trials one per row (pruned ones greyed, the best marked).
import { Link } from "react-router-dom";
import type { Experiment, Search, SearchParam, Trial } from "../../api/types";
import { MetricChart, PALETTE, type Series } from "../../components/MetricChart";
import { ScatterChart, ScatterLegend, type PointKind, type ScatterPoint, type XScale } from "../../components/ScatterChart";
import { Table } from "../../components/Table";
import { Card, Empty, KV } from "../../components/ui";
import { useT, type Translate } from "../../i18n";
import { formatNumber } from "../../lib/format";

const PRUNED_COLOR = "#94a3b8";
const FAILED_COLOR = "#fca5a5";
const BEST_COLOR = "#16a34a";
// The best trial's green is its own.
const TRIAL_COLORS = PALETTE.filter((c) => c !== BEST_COLOR);
const TRIAL_STATES = ["RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING"] as const;
const STATE_CLASS: Record<string, string> = {
  RUNNING: "status-training",
  COMPLETE: "status-done",
  PRUNED: "status-pruned",
  FAIL: "status-failed",
  WAITING: "status-waiting",
};

/** The search's space as its request gave it (`spec.search.space`). */
export function searchSpace(experiment: Experiment): Record<string, SearchParam> {
  const spec = experiment.spec as { search?: { space?: Record<string, SearchParam> } };
  return spec.search?.space ?? {};
}

/** A parameter's value as a person reads it: numbers shortened, strings as they are. */
function showValue(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function showParams(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k} = ${showValue(v)}`)
    .join(", ");
}

const lastReported = (trial: Trial): [number, number] | null => trial.intermediate[trial.intermediate.length - 1] ?? null;

/** Optuna's state of a trial, in words. */
function stateText(state: string, t: Translate): string {
  return (TRIAL_STATES as readonly string[]).includes(state) ? t(`trial.${state as (typeof TRIAL_STATES)[number]}`) : state;
}

function TrialState({ state }: { state: string }) {
  const t = useT();
  return (
    <span className={`badge ${STATE_CLASS[state] ?? ""}`} data-testid="trial-state" data-state={state}>
      {stateText(state, t)}
    </span>
  );
}

function RunLink({ trial }: { trial: Trial }) {
  const t = useT();
  if (!trial.model_id) return <span className="muted">{t("search.noRun")}</span>;
  return (
    <Link to={`/models/${trial.model_id}`} data-testid="trial-run">
      {t("search.openRun")}
    </Link>
  );
}

function Summary({ search }: { search: Search }) {
  const t = useT();
  const count = (state: string) => search.trials.filter((tr) => tr.state === state).length;
  const running = search.state === "running";
  const best = search.best;
  return (
    <div className="grid two">
      <KV
        rows={[
          [
            t("search.state"),
            <span className={`badge ${running ? "status-training" : "status-done"}`} data-testid="search-state" data-state={search.state}>
              {running ? t("search.stateRunning") : search.state === "done" ? t("search.stateDone") : search.state}
            </span>,
          ],
          [
            t("search.objective"),
            <span data-testid="search-objective">{t(search.mode === "min" ? "search.modeMin" : "search.modeMax", { metric: search.metric })}</span>,
          ],
          [t("search.sampler"), <code data-testid="search-sampler">{search.sampler}</code>],
          [t("search.pruner"), <code data-testid="search-pruner">{search.pruner}</code>],
          [
            t("search.trialsSoFar"),
            <span data-testid="search-count">
              {t("search.trialsCount", { n: search.trials.length, max: search.max_trials })}
              <span className="muted small">
                {" "}
                ({t("search.breakdown", { complete: count("COMPLETE"), pruned: count("PRUNED"), failed: count("FAIL"), running: count("RUNNING") + count("WAITING") })})
              </span>
            </span>,
          ],
        ]}
      />
      <div className="search-best" data-testid="search-best" data-trial={best?.number}>
        <h3>{t("search.best")}</h3>
        {best ? (
          <>
            <div>
              <strong>{t("search.trialN", { n: best.number })}</strong> · {search.metric} ={" "}
              <strong className="stat-value" data-testid="search-best-value">
                {formatNumber(best.value)}
              </strong>
            </div>
            <div className="mono" data-testid="search-best-params">
              {showParams(best.params)}
            </div>
            <RunLink trial={best} />
          </>
        ) : (
          <span className="muted">{t("search.noBest")}</span>
        )}
      </div>
    </div>
  );
}

/** One line per trial over its steps, from the rows it reported. */
function ObjectiveChart({ search }: { search: Search }) {
  const t = useT();
  const bestNumber = search.best?.number;
  const reported = search.trials.filter((tr) => tr.intermediate.length > 0);
  if (!reported.length) return <Empty>{t("search.noValues")}</Empty>;
  const steps = [...new Set(reported.flatMap((tr) => tr.intermediate.map(([step]) => step)))].sort((a, b) => a - b);
  const series: Series[] = reported.map((tr, i) => {
    const byStep = new Map(tr.intermediate.map(([step, value]) => [step, value]));
    const style: Partial<Series> =
      tr.number === bestNumber
        ? { color: BEST_COLOR, width: 4 }
        : tr.state === "PRUNED"
          ? { color: PRUNED_COLOR, width: 1.5, dash: [6, 4], pointSize: 7 }
          : tr.state === "FAIL"
            ? { color: FAILED_COLOR, width: 1.5, dash: [2, 3], pointSize: 7 }
            : { color: TRIAL_COLORS[i % TRIAL_COLORS.length], width: 1.5 };
    const mark = tr.number === bestNumber ? ` ★ ${t("search.bestMark")}` : tr.state === "PRUNED" ? ` (${t("trial.PRUNED")})` : "";
    return { label: `#${tr.number}${mark}`, values: steps.map((s) => byStep.get(s) ?? null), ...style };
  });
  return <MetricChart title={search.metric} xName="step" x={steps} series={series} height={300} testId="search-objective-chart" />;
}

/** Where a hyperparameter's values lie: its space's range (log or not), or its choices. */
function scaleOf(param: SearchParam | undefined, values: unknown[]): XScale {
  const categorical = !!param?.choices || values.some((v) => typeof v !== "number");
  if (categorical) {
    const categories = [...(param?.choices ?? []), ...values].map(showValue);
    return { type: "category", categories: [...new Set(categories)] };
  }
  const domain: [number, number] | undefined = typeof param?.low === "number" && typeof param?.high === "number" ? [param.low, param.high] : undefined;
  return { type: param?.log ? "log" : "linear", domain };
}

function kindOf(trial: Trial, bestNumber: number | undefined): PointKind | null {
  if (trial.number === bestNumber) return "best";
  if (trial.state === "COMPLETE") return "complete";
  if (trial.state === "PRUNED") return "pruned";
  if (trial.state === "RUNNING") return "running";
  return null;
}

function ParamCharts({ search, space }: { search: Search; space: Record<string, SearchParam> }) {
  const t = useT();
  const bestNumber = search.best?.number;
  const names = [...new Set([...Object.keys(space), ...search.trials.flatMap((tr) => Object.keys(tr.params))])];
  return (
    <>
      <div className="charts">
        {names.map((name) => {
          const scale = scaleOf(
            space[name],
            search.trials.filter((tr) => name in tr.params).map((tr) => tr.params[name]),
          );
          const points: ScatterPoint[] = [];
          for (const trial of search.trials) {
            const kind = kindOf(trial, bestNumber);
            if (!kind || !(name in trial.params)) continue;
            const last = lastReported(trial);
            const y = trial.state === "COMPLETE" ? trial.value : last?.[1];
            if (y === null || y === undefined) continue;
            const raw = trial.params[name];
            points.push({
              x: scale.type === "category" ? showValue(raw) : Number(raw),
              y,
              kind,
              id: String(trial.number),
              title: `#${trial.number} (${stateText(trial.state, t)}): ${name} = ${showValue(raw)}, ${search.metric} = ${formatNumber(y)}`,
            });
          }
          return <ScatterChart key={name} title={name} xName={scale.type === "log" ? `${name} (log)` : name} yName={search.metric} scale={scale} points={points} testId={`search-param-${name}`} />;
        })}
      </div>
      <ScatterLegend
        labels={{
          best: t("search.legendBest"),
          complete: t("search.legendComplete"),
          pruned: t("search.legendPruned"),
          running: t("search.legendRunning"),
        }}
      />
    </>
  );
}

function TrialsTable({ search, space }: { search: Search; space: Record<string, SearchParam> }) {
  const t = useT();
  const bestNumber = search.best?.number;
  const names = [...new Set([...Object.keys(space), ...search.trials.flatMap((tr) => Object.keys(tr.params))])];
  if (!search.trials.length) return <Empty>{t("search.noTrials")}</Empty>;
  return (
    <div className="scroll-x">
      <Table
        rows={search.trials}
        rowKey={(tr) => String(tr.number)}
        testId="search-trials"
        rowProps={(tr) => ({
          className: [tr.state === "PRUNED" ? "pruned" : "", tr.state === "FAIL" ? "failed" : "", tr.number === bestNumber ? "best" : ""].filter(Boolean).join(" ") || undefined,
          "data-trial": String(tr.number),
          "data-state": tr.state,
          "data-best": tr.number === bestNumber ? "true" : undefined,
        })}
        columns={[
          {
            key: "number",
            head: t("search.trial"),
            className: "num",
            headClassName: "num",
            cell: (tr) => (
              <>
                {tr.number === bestNumber && (
                  <span className="best-mark" title={t("search.bestMark")} data-testid="trial-best">
                    ★{" "}
                  </span>
                )}
                {tr.number}
              </>
            ),
          },
          { key: "state", head: t("common.status"), cell: (tr) => <TrialState state={tr.state} /> },
          { key: "value", head: t("search.value"), className: "num", headClassName: "num", cell: (tr) => formatNumber(tr.value) },
          {
            key: "last",
            head: t("search.lastReported"),
            className: "num small",
            headClassName: "num",
            cell: (tr) => {
              const last = lastReported(tr);
              return last ? t("search.atStep", { value: formatNumber(last[1]), step: last[0] }) : "—";
            },
          },
          ...names.map((name) => ({
            key: `param:${name}`,
            head: name,
            headClassName: "param",
            className: "mono",
            cell: (tr: Trial) => (name in tr.params ? showValue(tr.params[name]) : "—"),
          })),
          { key: "run", head: t("experiments.run"), cell: (tr) => <RunLink trial={tr} /> },
        ]}
      />
    </div>
  );
}

export function SearchSection({ experiment, search }: { experiment: Experiment; search: Search }) {
  const t = useT();
  const space = searchSpace(experiment);
  return (
    <div data-testid="search" data-state={search.state}>
      <Card title={t("search.title")} wide>
        <Summary search={search} />
      </Card>
      <Card title={t("search.objectiveChart")} wide>
        <p className="muted small">{t("search.objectiveHelp")}</p>
        <ObjectiveChart search={search} />
      </Card>
      <Card title={t("search.params")} wide>
        <p className="muted small">{t("search.paramsHelp")}</p>
        <ParamCharts search={search} space={space} />
      </Card>
      <Card title={t("search.trials")} wide>
        <TrialsTable search={search} space={space} />
      </Card>
    </div>
  );
}
