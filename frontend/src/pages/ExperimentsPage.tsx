import { Link } from "react-router-dom";
import type { Experiment } from "../api/types";
import { StatusBadge } from "../components/Status";
import { ListTable } from "../components/Table";
import { Card, PageHead } from "../components/ui";
import { useI18n, useT } from "../i18n";
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

/** A search (`spec.search`) is named as one, with its objective; the list has no trials. */
function SearchTag({ experiment }: { experiment: Experiment }) {
  const t = useT();
  const search = (experiment.spec as { search?: { objective?: { metric?: string; mode?: string } } }).search;
  if (!search) return null;
  const metric = search.objective?.metric ?? "";
  return (
    <span className="tag search-tag" title={t("experiments.kindSearchTitle", { metric })} data-testid="experiment-kind" data-kind="search">
      {t("experiments.kindSearch")}
      {metric && (
        <span className="muted">
          {" "}
          · {metric} {search.objective?.mode === "min" ? "↓" : "↑"}
        </span>
      )}
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
                  <Link to={`/experiments/${e.id}`}>{e.name}</Link> <SearchTag experiment={e} />
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
