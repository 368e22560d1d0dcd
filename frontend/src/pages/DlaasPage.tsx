// DLaaS jobs (seed 003): the list as `vlad list trained-models` prints it, submitting one,
// and one job as `vlad show` prints it: where its data came from and where its results went.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { del } from "../api/client";
import { useJobEvents } from "../api/events";
import type { DlaasModel, DlaasSummary } from "../api/types";
import { ProgressBar, StatusBadge } from "../components/Status";
import { ListTable } from "../components/Table";
import { Card, Empty, ErrorBox, KV, Loading, PageHead } from "../components/ui";
import { useI18n } from "../i18n";
import { formatDate } from "../lib/format";
import { useApi, useThrottled } from "../lib/useApi";
import { DlaasSubmit } from "./dlaas/DlaasSubmit";

export function DlaasPage() {
  const { t, lang } = useI18n();
  const list = useApi<DlaasSummary[]>("/dlaas/models");
  const [adding, setAdding] = useState(false);
  const reload = useThrottled(() => void list.reload(), 2000);
  useJobEvents(() => reload());
  return (
    <div>
      <PageHead
        title={t("dlaas.title")}
        sub={t("dlaas.sub")}
        actions={
          <button className="primary" onClick={() => setAdding(!adding)} data-testid="show-dlaas-submit">
            {t("dlaas.submit")}
          </button>
        }
      />
      {adding && <DlaasSubmit />}
      <Card>
        <ListTable
          rows={list.data}
          error={list.error}
          empty={<Empty>{t("dlaas.empty")}</Empty>}
          rowKey={(r) => r.id}
          rowProps={() => ({ "data-testid": "dlaas-row" })}
          testId="dlaas-table"
          columns={[
            { head: "#", cell: (r) => r.number },
            { head: t("common.name"), cell: (r) => <Link to={`/dlaas/${r.id}`}>{r.name}</Link> },
            { head: t("common.id"), cell: (r) => r.id, className: "mono small" },
            { head: t("common.status"), cell: (r) => <StatusBadge status={r.status} /> },
            { head: t("dlaas.submittedAt"), cell: (r) => formatDate(r.submitted_at, lang), className: "small" },
          ]}
        />
      </Card>
    </div>
  );
}

export function DlaasDetailPage() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const { id = "" } = useParams();
  const run = useApi<DlaasModel>(`/dlaas/models/${encodeURIComponent(id)}`);
  const [error, setError] = useState<unknown>();
  const reload = useThrottled(() => void run.reload(), 1000);
  useJobEvents((event) => (!event || event.id === id) && reload());
  const r = run.data;
  if (!r) return <>{run.error ? <ErrorBox error={run.error} /> : <Loading />}</>;

  const remove = async () => {
    if (!window.confirm(t("common.confirmDelete", { name: r.name }))) return;
    try {
      await del(`/dlaas/models/${r.id}`);
      navigate("/dlaas");
    } catch (exc) {
      setError(exc);
    }
  };
  const store = (s: { location: string; endpoint_url: string }) => (
    <span className="mono small">
      {s.location} <span className="muted">({s.endpoint_url})</span>
    </span>
  );
  return (
    <div data-testid="dlaas-detail" data-status={r.state}>
      <PageHead
        title={r.name}
        sub={r.description}
        actions={
          <button className="danger" onClick={() => void remove()} data-testid="dlaas-delete">
            {t("common.delete")}
          </button>
        }
      />
      <ErrorBox error={error} />
      <div className="grid two">
        <Card title={t("detail.basic")}>
          <KV
            rows={[
              [t("common.id"), <span className="mono">{r.id}</span>],
              [t("dlaas.url"), <span className="mono small">{r.url}</span>],
              [t("dlaas.state"), <StatusBadge status={r.state} />],
              [t("dlaas.submittedAt"), formatDate(r.submitted_at, lang)],
              [t("detail.started"), formatDate(r.started_at, lang)],
              [t("detail.finished"), formatDate(r.finished_at, lang)],
              [t("dlaas.framework"), Object.values(r.framework).join(" ")],
              [t("dlaas.author"), r.author ? Object.values(r.author).join(", ") : "—"],
              [t("dlaas.command"), <code>{r.command}</code>],
              [t("dlaas.resource"), t("dlaas.resourceGpus", { resource: r.resource, count: r.gpu_count })],
              [t("dlaas.expires"), formatDate(r.expires_at, lang)],
            ]}
          />
        </Card>
        <div className="stack">
          <Card title={t("detail.status")} testId="dlaas-status">
            {r.state === "training" && <ProgressBar value={r.percentage} />}
            {r.message && <p data-testid="dlaas-message">{r.message}</p>}
            {r.exit_code !== null && <p className="muted small">{t("detail.exitCode", { code: r.exit_code })}</p>}
          </Card>
          <Card title={t("dlaas.data")}>
            <KV rows={[[t("dlaas.source"), store(r.data)]]} />
          </Card>
          <Card title={t("dlaas.results")} testId="dlaas-results">
            <KV
              rows={[
                [t("dlaas.target"), store(r.results)],
                [
                  t("dlaas.upload"),
                  <span className={`badge results-${r.results.status}`} data-testid="results-status" data-status={r.results.status}>
                    {t(`dlaas.results.${r.results.status}` as "dlaas.results.pending")}
                  </span>,
                ],
                [t("dlaas.uploadedAt"), formatDate(r.results.uploaded_at, lang)],
                ...(r.results.message ? [[t("dlaas.uploadMessage"), r.results.message] as [string, string]] : []),
              ]}
            />
          </Card>
        </div>
      </div>
    </div>
  );
}
