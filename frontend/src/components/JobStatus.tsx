// A job's live status: badge (with its attempt, once restarted or resumed), progress with
// percentage, step, elapsed time, why it waits (its place in the scheduler's queue) and why
// it failed.
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { Job } from "../api/types";
import { isActive } from "../api/types";
import { useI18n, type Translate } from "../i18n";
import { elapsedSeconds, formatDate, formatElapsed, formatNumber } from "../lib/format";
import { useTicker } from "../lib/useApi";
import { ProgressBar, StatusBadge } from "./Status";
import { KV } from "./ui";

const QUEUE_POLL_MS = 3000;

/** `1 CPU · 2 GB · 1 GPU`: what a job asks of its executor. */
export function formatResources(job: { cpus?: number; memory_gb?: number | null; gpu_count: number }, t: Translate): string {
  const parts = [t("res.cpus", { n: formatNumber(job.cpus ?? 1) })];
  if (job.memory_gb !== null && job.memory_gb !== undefined) parts.push(t("res.memory", { n: formatNumber(job.memory_gb) }));
  if (job.gpu_count) parts.push(t("res.gpus", { n: job.gpu_count }));
  return parts.join(" · ");
}

type QueuePlace = Pick<Job, "queue_position" | "wait_reason" | "priority">;

/**
 * A waiting job's place in the queue, read again every few seconds: the live events say
 * when its status changes, not when its place or reason does.
 */
function useQueuePlace(jobId: string | undefined, job: Job): QueuePlace {
  const [fresh, setFresh] = useState<QueuePlace | null>(null);
  const waiting = job.status === "waiting";
  useEffect(() => {
    setFresh(null);
    if (!jobId || !waiting) return;
    let cancelled = false;
    const read = () =>
      api<Job>(`/jobs/${jobId}`).then(
        (j) => !cancelled && setFresh({ queue_position: j.queue_position, wait_reason: j.wait_reason, priority: j.priority }),
        () => undefined, // the page's own reload shows errors; this is a refinement
      );
    const id = window.setInterval(() => void read(), QUEUE_POLL_MS);
    return () => {
      cancelled = true;
      window.clearInterval(id);
    };
  }, [jobId, waiting]);
  return fresh ?? job;
}

/** A waiting job: its place in the queue and why it waits, or that its kernel has yet to report. */
export function WaitingNote({ place }: { place: QueuePlace }) {
  const { t } = useI18n();
  if (!place.queue_position && !place.wait_reason) return <span className="muted small">{t("detail.waitingHelp")}</span>;
  return (
    <span className="muted small" data-testid="job-queue">
      {place.queue_position ? <span data-testid="queue-position">{t("detail.queue", { position: place.queue_position })}</span> : null}
      {place.queue_position && place.wait_reason ? " — " : null}
      {place.wait_reason && <span data-testid="wait-reason">{place.wait_reason}</span>}{" "}
      <Link to="/queue">{t("detail.seeQueue")}</Link>
    </span>
  );
}

/** `jobId`: the job's id (a model's or validation's); by default the page's `:id`. */
export function JobStatusView({ job, jobId }: { job: Job; jobId?: string }) {
  const { t, lang } = useI18n();
  const params = useParams();
  const now = useTicker(isActive(job.status));
  const place = useQueuePlace(jobId ?? params.id, job);
  const elapsed = elapsedSeconds(job.started_at, job.finished_at, now);
  const progress = job.status === "done" ? 100 : job.percentage;
  return (
    <div data-testid="job-status">
      <div className="status-line">
        <StatusBadge status={job.status} />
        {job.attempt > 1 && (
          <span className="tag" data-testid="job-attempt" data-attempt={job.attempt}>
            {t("detail.attempt", { n: job.attempt })}
          </span>
        )}
        {job.status === "waiting" && <WaitingNote place={place} />}
      </div>
      {job.status !== "waiting" && <ProgressBar value={progress} />}
      <KV
        rows={[
          [t("detail.step"), <span data-testid="job-step">{job.step ?? "—"}</span>],
          [t("detail.elapsed"), <span data-testid="job-elapsed">{formatElapsed(elapsed)}</span>],
          [t("detail.started"), formatDate(job.started_at, lang)],
          [t("detail.finished"), formatDate(job.finished_at, lang)],
          [t("detail.gpus"), job.gpu_count],
          [t("detail.resources"), <span data-testid="job-resources">{formatResources(job, t)}</span>],
          [t("detail.priority"), <span data-testid="job-priority">{place.priority}</span>],
        ]}
      />
      {(job.status === "failed" || job.status === "stopped" || job.status === "pruned") && job.message && (
        <div className={job.status === "pruned" ? "hint-box" : "error-box"} data-testid="job-error" data-status={job.status}>
          <strong>{t(job.status === "failed" ? "detail.errorMessage" : job.status === "pruned" ? "detail.prunedMessage" : "detail.stoppedMessage")}:</strong>{" "}
          {job.message}
          {job.exit_code !== null && <span className="muted"> ({t("detail.exitCode", { code: job.exit_code })})</span>}
        </div>
      )}
    </div>
  );
}
