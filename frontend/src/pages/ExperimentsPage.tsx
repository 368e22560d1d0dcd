import { Link } from "react-router-dom";
import type { Experiment } from "../api/types";
import { StatusBadge } from "../components/Status";
import { Card, Empty, ErrorBox, Loading, PageHead } from "../components/ui";
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
        <ErrorBox error={list.error} />
        <Loading what={list.data ?? (list.error ? null : undefined)} />
        {list.data?.length === 0 && <Empty />}
        {!!list.data?.length && (
          <table className="table" data-testid="experiments-table">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("experiments.runs")}</th>
                <th>{t("common.status")}</th>
                <th>{t("common.created")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`/experiments/${e.id}`}>{e.name}</Link>
                    <div className="muted small">{e.description}</div>
                  </td>
                  <td>{Object.values(e.status_counts).reduce((a, b) => a + b, 0)}</td>
                  <td>
                    <StatusCounts counts={e.status_counts} />
                  </td>
                  <td className="small">{formatDate(e.created_at, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
