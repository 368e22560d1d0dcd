// The validations of one model, with their live status.
import { Link } from "react-router-dom";
import { useJobEvents } from "../../api/events";
import { applyEvent, type Validation } from "../../api/types";
import { StatusCell } from "../../components/Status";
import { Table } from "../../components/Table";
import { Empty, ErrorBox } from "../../components/ui";
import { useI18n } from "../../i18n";
import { formatDate } from "../../lib/format";
import { useApi, useThrottled } from "../../lib/useApi";

export function ValidationsTable({ modelId }: { modelId: string }) {
  const { t, lang } = useI18n();
  const list = useApi<Validation[]>(`/validations?model_id=${encodeURIComponent(modelId)}`);
  const reload = useThrottled(() => void list.reload(), 2000);
  useJobEvents((event) => {
    if (!event) return reload();
    if (!list.data?.some((v) => v.id === event.id)) {
      if (event.operation === "validation") reload();
      return;
    }
    list.setData((vs) => vs?.map((v) => (v.id === event.id ? { ...v, status: event.status, job: applyEvent(v.job, event) } : v)));
  });
  if (list.error) return <ErrorBox error={list.error} />;
  if (list.data?.length === 0) return <Empty />;
  return (
    <Table
      rows={list.data ?? []}
      rowKey={(v) => v.id}
      testId="validations-table"
      columns={[
        {
          head: t("common.id"),
          cell: (v) => (
            <Link to={`/validations/${v.id}`} className="mono">
              {v.id}
            </Link>
          ),
        },
        { head: t("validation.type"), cell: (v) => (v.validation_type === "inference" ? t("validate.inference") : t("validate.validation")) },
        { head: t("common.status"), cell: (v) => <StatusCell status={v.status} job={v.job} /> },
        { head: t("common.datasets"), cell: (v) => v.datasets.map((d) => d.name).join(", ") },
        { head: t("common.created"), cell: (v) => formatDate(v.created_at, lang), className: "small" },
      ]}
    />
  );
}
