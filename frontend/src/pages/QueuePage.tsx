// The scheduler's queue: each executor's load (used / capacity), then the active jobs of
// each project in the order they start, with why each waits; a waiting job's priority
// can be changed in place. Refreshed every few seconds and on every job event.
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, errorText } from "../api/client";
import { useJobEvents } from "../api/events";
import type { Capacity, ExecutorLoad, Job, ProjectRules, QueueJob, QueueView } from "../api/types";
import { formatResources } from "../components/JobStatus";
import { Table } from "../components/Table";
import { Card, Empty, ErrorBox, FieldMessage, Loading, PageHead } from "../components/ui";
import { useT, type Translate } from "../i18n";
import { formatNumber } from "../lib/format";
import { useApi, useThrottled } from "../lib/useApi";

const POLL_MS = 2500;
// What runs first, then the queue: the API lists the waiting jobs first, in the scheduler's order.
const STATE_ORDER: Record<QueueJob["state"], number> = { running: 0, starting: 0, waiting: 1, preparing: 2 };

/** The page of a job: its model's, its validation's or its DLaaS run's. */
export function jobPath(job: { id: string; operation: string }): string {
  if (job.operation === "validation" || job.id.startsWith("validation-")) return `/validations/${job.id}`;
  if (job.id.startsWith("training-")) return `/dlaas/${job.id}`;
  return `/models/${job.id}`;
}

function LoadRow({ label, resource, used, capacity }: { label: string; resource: keyof Capacity; used: Capacity; capacity: Capacity | null }) {
  const t = useT();
  const have = capacity?.[resource];
  const held = used[resource] ?? 0;
  const share = have ? Math.min(100, (held / have) * 100) : 0;
  return (
    <div className="field" data-testid={`load-${resource}`}>
      <span>{label}</span>
      <div className="progress" role="meter" aria-valuemin={0} aria-valuemax={have ?? 0} aria-valuenow={held} aria-label={label}>
        <div className="progress-fill" style={{ width: `${share}%` }} />
        <span className="progress-text">
          {formatNumber(held)} / {have === null || have === undefined ? t("queue.notCounted") : formatNumber(have)}
        </span>
      </div>
    </div>
  );
}

function ExecutorCard({ executor }: { executor: ExecutorLoad }) {
  const t = useT();
  const resources: [keyof Capacity, string][] = [
    ["cpus", t("queue.cpus")],
    ["memory_gb", t("queue.memory")],
    ["gpus", t("queue.gpus")],
    ["jobs", t("queue.jobs")],
  ];
  return (
    <div data-testid="executor-load" data-executor={executor.name}>
      <Card title={executor.name} actions={<span className="muted small">{t("queue.waitingCount", { count: executor.waiting })}</span>}>
        {executor.where && <div className="muted small">{executor.where}</div>}
        {executor.unavailable ? (
          <div className="error-box">{t("queue.unavailable", { reason: executor.unavailable })}</div>
        ) : (
          resources.map(([key, label]) => <LoadRow key={key} label={label} resource={key} used={executor.used} capacity={executor.capacity} />)
        )}
      </Card>
    </div>
  );
}

/** A waiting job's priority: a number and Save; the platform's refusal is shown beside it. */
function PriorityEditor({ job, onSaved }: { job: QueueJob; onSaved: () => void }) {
  const t = useT();
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const value = draft ?? String(job.priority);
  // The draft stays until the queue, read again, shows it saved (no flicker back meanwhile).
  useEffect(() => setDraft((d) => (d !== null && Number(d) === job.priority ? null : d)), [job.priority]);
  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api<Job>(`/jobs/${job.id}`, { method: "PATCH", json: { priority: Number(value) } });
      onSaved();
    } catch (exc) {
      setError(exc);
    } finally {
      setBusy(false);
    }
  };
  const changed = draft !== null && draft.trim() !== "" && Number(draft) !== job.priority;
  return (
    <div data-testid="priority-editor">
      <div style={{ display: "flex", gap: 6, alignItems: "center" }}>
        <input
          type="number"
          style={{ width: "6em" }}
          min={-100}
          max={100}
          step={1}
          value={value}
          title={t("queue.priorityHelp")}
          aria-label={t("queue.priority")}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && changed && void save()}
          data-testid="priority-input"
        />
        <button onClick={() => void save()} disabled={!changed || busy} data-testid="priority-save">
          {busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
      {!!error && <FieldMessage testId="priority-error">{errorText(error)}</FieldMessage>}
    </div>
  );
}

function rulesText(rules: ProjectRules, t: Translate): string {
  const quota = (value: number | null) => (value === null ? t("queue.noQuota") : String(value));
  return t("queue.rules", { share: formatNumber(rules.share), gpus: quota(rules.quota_gpus), running: quota(rules.quota_running) });
}

function ProjectQueue({ rules, jobs, onChanged }: { rules: ProjectRules; jobs: QueueJob[]; onChanged: () => void }) {
  const t = useT();
  const rows = [...jobs].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state]);
  return (
    <div data-testid="project-queue" data-project={rules.name}>
      <Card title={rules.name} actions={<span className="muted small" data-testid="project-rules">{rulesText(rules, t)}</span>} wide>
        {!rows.length && <Empty>{t("queue.noJobs")}</Empty>}
        {!!rows.length && (
          <div className="scroll-x">
            <Table
              rows={rows}
              rowKey={(j) => j.id}
              rowProps={(j) => ({ "data-testid": "queue-row", "data-job": j.id, "data-state": j.state })}
              testId="queue-table"
              columns={[
                { key: "pos", head: t("queue.position"), className: "num", cell: (j) => <span data-testid="queue-position">{j.queue_position ?? "—"}</span> },
                {
                  key: "job",
                  head: t("queue.job"),
                  cell: (j) => (
                    <>
                      <Link to={jobPath(j)}>{j.name}</Link>
                      <div className="muted small mono">{j.id}</div>
                    </>
                  ),
                },
                {
                  key: "state",
                  head: t("queue.state"),
                  cell: (j) => (
                    <span className={`badge status-${j.state === "running" || j.state === "starting" ? "training" : "waiting"}`} data-testid="queue-state">
                      {t(`queue.state.${j.state}`)}
                    </span>
                  ),
                },
                {
                  key: "priority",
                  head: t("queue.priority"),
                  cell: (j) =>
                    j.state === "waiting" || j.state === "preparing" ? (
                      <PriorityEditor job={j} onSaved={onChanged} />
                    ) : (
                      <span data-testid="queue-priority">{j.priority}</span>
                    ),
                },
                { key: "resources", head: t("queue.resources"), className: "small", cell: (j) => formatResources(j, t) },
                { key: "executor", head: t("queue.executor"), cell: (j) => j.executor },
                { key: "reason", head: t("queue.reason"), className: "small", cell: (j) => <span data-testid="wait-reason">{j.wait_reason ?? "—"}</span> },
              ]}
            />
          </div>
        )}
      </Card>
    </div>
  );
}

export function QueuePage() {
  const t = useT();
  const queue = useApi<QueueView>("/queue");
  const reload = useThrottled(() => void queue.reload(), 1000);
  useJobEvents(() => reload());
  useEffect(() => {
    const id = window.setInterval(() => void queue.reload(), POLL_MS);
    return () => window.clearInterval(id);
  }, [queue.reload]);

  const q = queue.data;
  return (
    <div data-testid="queue-page">
      <PageHead title={t("queue.title")} sub={t("queue.sub")} />
      <ErrorBox error={queue.error} />
      <Loading what={q ?? (queue.error ? null : undefined)} />
      {q && (
        <>
          <div className="grid cards" data-testid="executors">
            {q.executors.map((e) => (
              <ExecutorCard key={e.name} executor={e} />
            ))}
          </div>
          {q.projects.map((p) => (
            <ProjectQueue key={p.id} rules={p} jobs={q.jobs.filter((j) => j.project_id === p.id)} onChanged={() => void queue.reload()} />
          ))}
        </>
      )}
    </div>
  );
}
