import { JOB_STATUSES, type Job, type JobStatus } from "../api/types";
import { useT } from "../i18n";
import { percent } from "../lib/format";

export function StatusBadge({ status }: { status: string }) {
  const t = useT();
  const known = (JOB_STATUSES as readonly string[]).includes(status);
  return (
    <span className={`badge status-${status}`} data-testid="status-badge" data-status={status}>
      {known ? t(`status.${status as JobStatus}`) : status}
    </span>
  );
}

export function ProgressBar({ value }: { value: number | null | undefined }) {
  const v = Math.max(0, Math.min(100, value ?? 0));
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(v * 10) / 10}
      data-testid="progress"
    >
      <div className="progress-fill" style={{ width: `${v}%` }} />
      <span className="progress-text">{percent(value ?? 0)}</span>
    </div>
  );
}

/**
 * The status of a job as a list cell: a badge, a progress bar while it trains, and while it
 * waits for the scheduler its place in the queue (why it waits: on hover, and on its page).
 */
export function StatusCell({ status, job }: { status: string; job: Job | null }) {
  const t = useT();
  const position = status === "waiting" ? job?.queue_position : null;
  return (
    <div className="status-cell">
      <StatusBadge status={status} />
      {status === "training" && <ProgressBar value={job?.percentage} />}
      {!!position && (
        <span className="muted small" title={job?.wait_reason ?? undefined} data-testid="queue-place">
          {t("detail.queue", { position })}
        </span>
      )}
    </div>
  );
}
