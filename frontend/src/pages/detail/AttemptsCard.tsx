// The attempts of a training job that ended without finishing it (a killed kernel, a lost
// node, a preemption, a stop), each followed by an automatic restart or a person's resume
// from the newest checkpoint: when each ran, how it ended, and the last lines of its log.
import type { Attempt, Job } from "../../api/types";
import { Table } from "../../components/Table";
import { Card } from "../../components/ui";
import { useI18n, type Translate } from "../../i18n";
import { formatDate } from "../../lib/format";

function then(attempt: Attempt, t: Translate): string {
  if (attempt.then === "restarted") return t("detail.thenRestarted");
  if (attempt.then === "resumed") return t("detail.thenResumed");
  if (attempt.then === "preempted") return t("detail.thenPreempted");
  return attempt.then;
}

function LogTail({ text }: { text: string }) {
  const { t } = useI18n();
  if (!text.trim()) return <span className="muted small">{t("detail.noLogTail")}</span>;
  return (
    <details data-testid="attempt-log">
      <summary className="small">{t("detail.logTail")}</summary>
      <pre className="log">{text}</pre>
    </details>
  );
}

/** Nothing when no attempt has ended yet. */
export function AttemptsCard({ job }: { job: Job }) {
  const { t, lang } = useI18n();
  const attempts = job.attempts ?? [];
  if (!attempts.length) return null;
  return (
    <Card title={t("detail.attempts")} wide testId="attempts">
      <p className="muted small">
        {t("detail.attemptsHelp", {
          n: job.attempt,
          max: job.max_restarts,
          onError: job.restart_on_error ? t("detail.attemptsOnError") : "",
        })}
      </p>
      <Table
        rows={attempts}
        rowKey={(a) => String(a.attempt)}
        rowProps={(a) => ({ "data-attempt": String(a.attempt), "data-then": a.then })}
        testId="attempts-table"
        compact
        columns={[
          { head: t("detail.attemptNumber"), cell: (a) => a.attempt, className: "num" },
          { head: t("detail.started"), cell: (a) => formatDate(a.started_at, lang), className: "small" },
          { head: t("detail.attemptEnded"), cell: (a) => formatDate(a.ended_at, lang), className: "small" },
          { head: t("detail.attemptExitCode"), cell: (a) => a.exit_code ?? "—", className: "num" },
          { head: t("detail.step"), cell: (a) => a.step ?? "—", className: "num" },
          {
            head: t("detail.attemptReason"),
            cell: (a) => (
              <>
                <div data-testid="attempt-reason">{a.reason}</div>
                <LogTail text={a.log_tail} />
              </>
            ),
          },
          { head: t("detail.attemptThen"), cell: (a) => <span data-testid="attempt-then">{then(a, t)}</span> },
        ]}
      />
    </Card>
  );
}
