// A job's live status: badge, progress with percentage, step, elapsed time, and why it failed.
import type { Job } from "../api/types";
import { isActive } from "../api/types";
import { useI18n } from "../i18n";
import { elapsedSeconds, formatDate, formatElapsed } from "../lib/format";
import { useTicker } from "../lib/useApi";
import { ProgressBar, StatusBadge } from "./Status";
import { KV } from "./ui";

export function JobStatusView({ job }: { job: Job }) {
  const { t, lang } = useI18n();
  const now = useTicker(isActive(job.status));
  const elapsed = elapsedSeconds(job.started_at, job.finished_at, now);
  const progress = job.status === "done" ? 100 : job.percentage;
  return (
    <div data-testid="job-status">
      <div className="status-line">
        <StatusBadge status={job.status} />
        {job.status === "waiting" && (
          <span className="muted small">
            {job.queue_position ? t("detail.queue", { position: job.queue_position }) : t("detail.waitingHelp")}
          </span>
        )}
      </div>
      {job.status !== "waiting" && <ProgressBar value={progress} />}
      <KV
        rows={[
          [t("detail.step"), <span data-testid="job-step">{job.step ?? "—"}</span>],
          [t("detail.elapsed"), <span data-testid="job-elapsed">{formatElapsed(elapsed)}</span>],
          [t("detail.started"), formatDate(job.started_at, lang)],
          [t("detail.finished"), formatDate(job.finished_at, lang)],
          [t("detail.gpus"), job.gpu_count],
        ]}
      />
      {(job.status === "failed" || job.status === "stopped") && job.message && (
        <div className="error-box" data-testid="job-error">
          <strong>{t(job.status === "stopped" ? "detail.stoppedMessage" : "detail.errorMessage")}:</strong> {job.message}
          {job.exit_code !== null && <span className="muted"> ({t("detail.exitCode", { code: job.exit_code })})</span>}
        </div>
      )}
    </div>
  );
}
