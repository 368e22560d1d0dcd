// The report of the check run when the kernel was registered with "check": running (asked
// again every few seconds), then each rule as passed, failed or advice, with what was seen.
import { useEffect } from "react";
import type { Kernel } from "../../api/types";
import { Table } from "../../components/Table";
import { Card } from "../../components/ui";
import { useI18n } from "../../i18n";
import { formatDate } from "../../lib/format";

type KernelCheck = NonNullable<Kernel["check"]>;
type CheckItem = NonNullable<KernelCheck["checks"]>[number];

const BADGE = { running: "status-training", passed: "status-done", failed: "status-failed" } as const;
const STATUS_TEXT = { running: "kernels.checkRunning", passed: "kernels.checkPassed", failed: "kernels.checkFailed" } as const;

export function KernelCheckCard({ check, reload }: { check: KernelCheck; reload: () => void }) {
  const { t, lang } = useI18n();
  const running = check.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(reload, 2000);
    return () => window.clearInterval(timer);
  }, [running, reload]);
  const verdict = (c: CheckItem) =>
    c.ok ? (
      <span className="badge status-done">{t("kernels.checkOk")}</span>
    ) : c.advice ? (
      <span className="badge status-stopped">{t("kernels.checkAdvice")}</span>
    ) : (
      <span className="badge status-failed">{t("kernels.checkFail")}</span>
    );
  return (
    <Card title={t("kernels.check")} testId="kernel-check" wide>
      <div className="status-line">
        <span className={`badge ${BADGE[check.status]}`} data-testid="kernel-check-status" data-status={check.status}>
          {t(STATUS_TEXT[check.status])}
        </span>
        {check.finished_at && <span className="muted small">{formatDate(check.finished_at, lang)}</span>}
      </div>
      {running ? (
        <p className="muted small">{t("kernels.checkRunningHelp")}</p>
      ) : (
        <Table
          rows={check.checks ?? []}
          rowKey={(c) => c.name}
          rowProps={(c) => ({ "data-testid": "kernel-check-item", "data-ok": String(c.ok) })}
          compact
          columns={[
            { head: t("kernels.checkName"), cell: (c) => <span className="mono">{c.name}</span> },
            { head: t("kernels.checkVerdict"), cell: verdict },
            { head: t("kernels.checkDetail"), cell: (c) => <span className="small">{c.detail}</span> },
          ]}
        />
      )}
    </Card>
  );
}
