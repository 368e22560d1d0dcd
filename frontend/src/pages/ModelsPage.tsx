// Models: name, status (a progress bar while training), kernel, training type, datasets,
// created, active; filter by status, search, pages from the server (offset/limit/total).
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useJobEvents } from "../api/events";
import { applyEvent, JOB_STATUSES, type Dataset, type ModelPage } from "../api/types";
import { Pager } from "../components/Pager";
import { StatusCell } from "../components/Status";
import { ListTable } from "../components/Table";
import { Card, Empty, PageHead } from "../components/ui";
import { useI18n, useT } from "../i18n";
import { formatDate } from "../lib/format";
import { useApi, useThrottled } from "../lib/useApi";

const LIMIT = 20;
const DEMO_DATASET = "digits"; // what `vlad up` registers on its first start

/** An empty project's models page: the way to a first model, on the demo dataset if it is there. */
function FirstStart() {
  const t = useT();
  const datasets = useApi<Dataset[]>("/datasets");
  const demo = datasets.data?.find((d) => d.name === DEMO_DATASET);
  return (
    <div className="empty first-start" data-testid="first-start">
      <p>{t("models.none")}</p>
      {demo ? (
        <Link className="button primary big" to={`/models/new?dataset=${demo.name}&val=${demo.name}`} data-testid="train-demo">
          {t("models.trainDemo")}
        </Link>
      ) : (
        datasets.data && (
          <Link className="button primary" to="/models/new">
            {t("models.train")}
          </Link>
        )
      )}
      {demo && <p className="muted small">{t("models.trainDemoHelp", { name: demo.name })}</p>}
    </div>
  );
}

export function ModelsPage() {
  const { t, lang } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = params.get("status") ?? "";
  const q = params.get("q") ?? "";
  const offset = Number(params.get("offset") ?? 0);
  const [search, setSearch] = useState(q);

  const query = new URLSearchParams({ offset: String(offset), limit: String(LIMIT) });
  if (status) query.set("status", status);
  if (q) query.set("q", q);
  const page = useApi<ModelPage>(`/models?${query}`);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  useEffect(() => {
    if (search === q) return;
    const id = window.setTimeout(() => update({ q: search, offset: "" }), 300);
    return () => window.clearTimeout(id);
  }, [search]);

  const reload = useThrottled(() => void page.reload(), 2000);
  useJobEvents((event) => {
    const items = page.data?.items ?? [];
    const shown = event && items.find((m) => m.id === event.id);
    if (!event || !shown || (status && event.status !== status)) {
      // a new job, one leaving the filter, or a gap in the stream: ask the server again
      if (!event || event.operation === "training") reload();
      return;
    }
    page.setData((p) =>
      p && {
        ...p,
        items: p.items.map((m) => (m.id === event.id && m.job ? { ...m, status: event.status, job: applyEvent(m.job, event) } : m)),
      },
    );
  });

  return (
    <div>
      <PageHead
        title={t("models.title")}
        sub={page.data ? t("models.count", { total: page.data.total }) : undefined}
        actions={
          <>
            <Link className="button" to="/models/import" data-testid="go-import">
              {t("models.import")}
            </Link>
            <Link className="button primary" to="/models/new" data-testid="go-train">
              {t("models.train")}
            </Link>
          </>
        }
      />
      <Card>
        <div className="toolbar">
          <input
            type="search"
            placeholder={t("models.searchPlaceholder")}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            aria-label={t("common.search")}
            data-testid="model-search"
          />
          <select value={status} onChange={(e) => update({ status: e.target.value, offset: "" })} aria-label={t("models.filterStatus")} data-testid="status-filter">
            <option value="">
              {t("models.filterStatus")}: {t("common.all")}
            </option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <ListTable
          rows={page.data?.items}
          error={page.error}
          // An empty project, not an empty filter: the way to a first model.
          empty={page.data?.total === 0 && !status && !q && offset === 0 ? <FirstStart /> : <Empty />}
          rowKey={(m) => m.id}
          rowProps={(m) => ({ "data-testid": "model-row", "data-model-id": m.id })}
          testId="models-table"
          columns={[
            {
              head: t("common.name"),
              cell: (m) => (
                <>
                  <Link to={`/models/${m.id}`}>{m.name}</Link>
                  <div className="muted small mono">{m.id}</div>
                </>
              ),
            },
            { head: t("common.status"), cell: (m) => <StatusCell status={m.status} job={m.job} /> },
            { head: t("common.kernel"), cell: (m) => m.kernel ?? "—" },
            { head: t("common.trainingType"), cell: (m) => m.training_type },
            { head: t("common.datasets"), cell: (m) => [...new Set(m.datasets.map((d) => d.name))].join(", ") || "—", className: "small" },
            { head: t("common.created"), cell: (m) => formatDate(m.created_at, lang), className: "small" },
            { head: t("models.active"), cell: (m) => (m.active ? <span className="badge active">✓ {t("models.active")}</span> : "") },
          ]}
        />
        {page.data && <Pager offset={offset} limit={LIMIT} total={page.data.total} onChange={(o) => update({ offset: o ? String(o) : "" })} />}
      </Card>
    </div>
  );
}
