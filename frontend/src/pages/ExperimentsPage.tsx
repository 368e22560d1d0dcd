import { Link } from "react-router-dom";
import type { Experiment } from "../api/types";
import { StatusBadge } from "../components/Status";
import { ListTable } from "../components/Table";
import { Card, PageHead } from "../components/ui";
import { useI18n } from "../i18n";
import { formatDate } from "../lib/format";
import { useApi } from "../lib/useApi";

export function StatusCounts({ counts }: { counts: Record<string, number> }) {
  return (
    <span className="counts">
      {Object.entries(counts).map(([status, n]) => (
        <span key={status}>
          <StatusBadge status={status} /> {n}
        </span>
      ))}
    </span>
  );
}

export function ExperimentsPage() {
  const { t, lang } = useI18n();
  const list = useApi<Experiment[]>("/experiments");
  return (
    <div>
      <PageHead
        title={t("experiments.title")}
        actions={
          <Link className="button primary" to="/models/new">
            {t("models.train")}
          </Link>
        }
      />
      <Card>
        <ListTable
          rows={list.data}
          error={list.error}
          rowKey={(e) => e.id}
          testId="experiments-table"
          columns={[
            {
              head: t("common.name"),
              cell: (e) => (
                <>
                  <Link to={`/experiments/${e.id}`}>{e.name}</Link>
                  <div className="muted small">{e.description}</div>
                </>
              ),
            },
            { head: t("experiments.runs"), cell: (e) => Object.values(e.status_counts).reduce((a, b) => a + b, 0) },
            { head: t("common.status"), cell: (e) => <StatusCounts counts={e.status_counts} /> },
            { head: t("common.created"), cell: (e) => formatDate(e.created_at, lang), className: "small" },
          ]}
        />
      </Card>
    </div>
  );
}
