// Kernels and one kernel: its schema, model types (with their defaults) and GPU range.
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import type { Kernel } from "../api/types";
import { gpuText } from "../components/KernelPicker";
import { SchemaPanel } from "../components/SchemaPanel";
import { ListTable } from "../components/Table";
import { Card, ErrorBox, KV, Loading, PageHead } from "../components/ui";
import { useI18n } from "../i18n";
import { formatDate } from "../lib/format";
import { useApi } from "../lib/useApi";
import { KernelCheckCard } from "./kernels/KernelCheckCard";
import { KernelUpload } from "./kernels/KernelUpload";

export function KernelsPage() {
  const { t, lang } = useI18n();
  const list = useApi<Kernel[]>("/kernels");
  const [adding, setAdding] = useState(false);
  return (
    <div>
      <PageHead
        title={t("kernels.title")}
        actions={
          <button className="primary" onClick={() => setAdding(!adding)} data-testid="show-kernel-upload">
            {t("kernels.register")}
          </button>
        }
      />
      {adding && <KernelUpload />}
      <Card>
        <ListTable
          rows={list.data}
          error={list.error}
          rowKey={(k) => k.id}
          testId="kernels-table"
          columns={[
            {
              head: t("common.name"),
              cell: (k) => (
                <>
                  <Link to={`/kernels/${k.id}`}>{k.name}</Link>
                  <div className="muted small">{k.description}</div>
                </>
              ),
            },
            { head: t("kernels.version"), cell: (k) => k.version },
            { head: t("common.trainingType"), cell: (k) => k.training_types.join(", ") },
            { head: t("kernels.modelTypes"), cell: (k) => Object.keys(k.model_types).join(", ") },
            { head: t("kernels.gpus"), cell: (k) => gpuText(k) },
            { head: t("common.created"), cell: (k) => formatDate(k.created_at, lang), className: "small" },
          ]}
        />
      </Card>
    </div>
  );
}

export function KernelDetailPage() {
  const { t, lang } = useI18n();
  const { id = "" } = useParams();
  const kernel = useApi<Kernel>(`/kernels/${encodeURIComponent(id)}`);
  const k = kernel.data;
  if (!k) return <>{kernel.error ? <ErrorBox error={kernel.error} /> : <Loading />}</>;
  return (
    <div data-testid="kernel-detail">
      <PageHead title={`${k.name} ${k.version}`} sub={k.description} />
      <div className="grid two">
        <Card title={t("detail.basic")}>
          <KV
            rows={[
              [t("common.id"), <span className="mono">{k.id}</span>],
              [t("common.trainingType"), k.training_types.join(", ")],
              [t("kernels.gpus"), <span data-testid="gpu-range">{gpuText(k)}</span>],
              [t("kernels.image"), k.image ?? "—"],
              [t("kernels.executor"), k.executor ?? "default"],
              [t("kernels.path"), <span className="mono small">{k.path ?? "—"}</span>],
              [t("common.created"), formatDate(k.created_at, lang)],
            ]}
          />
        </Card>
        <Card title={t("kernels.modelTypes")}>
          {Object.entries(k.model_types).map(([name, defaults]) => (
            <details key={name} className="model-type">
              <summary>
                <strong>{name}</strong> <span className="muted small">{t("kernels.defaults")}</span>
              </summary>
              <pre className="code">{JSON.stringify(defaults, null, 2)}</pre>
            </details>
          ))}
        </Card>
      </div>
      {k.check && <KernelCheckCard check={k.check} reload={kernel.reload} />}
      <Versions kernel={k} />
      <Card title={t("kernels.schema")} wide>
        <div className="grid two">
          <SchemaPanel schema={k.schema_} />
          <pre className="code tall">{JSON.stringify(k.schema_, null, 2)}</pre>
        </div>
      </Card>
    </div>
  );
}

/** Every registered version of the kernel's name, newest first; this one is marked. */
function Versions({ kernel }: { kernel: Kernel }) {
  const { t, lang } = useI18n();
  const versions = useApi<Kernel[]>(`/kernels/${encodeURIComponent(kernel.name)}/versions`);
  return (
    <Card title={t("kernels.versions")} testId="kernel-versions">
      <ListTable
        rows={versions.data}
        error={versions.error}
        empty={null}
        compact
        rowKey={(v) => v.id}
        rowProps={(v) => ({ className: v.id === kernel.id ? "selected" : "", "data-testid": "kernel-version" })}
        columns={[
          {
            head: t("kernels.version"),
            cell: (v) => (
              <>
                {v.id === kernel.id ? <strong>{v.version}</strong> : <Link to={`/kernels/${v.id}`}>{v.version}</Link>}
                {v.id === kernel.id && <span className="muted small"> · {t("kernels.thisVersion")}</span>}
              </>
            ),
          },
          { head: t("kernels.modelTypes"), cell: (v) => Object.keys(v.model_types).join(", ") },
          { head: t("kernels.executor"), cell: (v) => v.executor ?? "default" },
          { head: t("common.created"), cell: (v) => formatDate(v.created_at, lang), className: "small" },
        ]}
      />
    </Card>
  );
}
