// Datasets and one dataset: its training type and size.
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import type { Dataset } from "../api/types";
import { ListTable } from "../components/Table";
import { Card, ErrorBox, KV, Loading, PageHead } from "../components/ui";
import { useI18n } from "../i18n";
import { formatBytes, formatDate } from "../lib/format";
import { useApi } from "../lib/useApi";
import { DatasetUpload } from "./datasets/DatasetUpload";

export function DatasetsPage() {
  const { t, lang } = useI18n();
  const list = useApi<Dataset[]>("/datasets");
  const [adding, setAdding] = useState(false);
  return (
    <div>
      <PageHead
        title={t("datasets.title")}
        actions={
          <button className="primary" onClick={() => setAdding(!adding)} data-testid="show-dataset-upload">
            {t("datasets.upload")}
          </button>
        }
      />
      {adding && <DatasetUpload />}
      <Card>
        <ListTable
          rows={list.data}
          error={list.error}
          rowKey={(d) => d.id}
          testId="datasets-table"
          columns={[
            {
              head: t("common.name"),
              cell: (d) => (
                <>
                  <Link to={`/datasets/${d.id}`}>{d.name}</Link>
                  <div className="muted small">{d.description}</div>
                </>
              ),
            },
            { head: t("common.trainingType"), cell: (d) => <span className="tag">{d.training_type}</span> },
            { head: t("datasets.files"), cell: (d) => d.file_count },
            { head: t("datasets.size"), cell: (d) => formatBytes(d.size_bytes) },
            { head: t("common.created"), cell: (d) => formatDate(d.created_at, lang), className: "small" },
          ]}
        />
      </Card>
    </div>
  );
}

export function DatasetDetailPage() {
  const { t, lang } = useI18n();
  const { id = "" } = useParams();
  const dataset = useApi<Dataset>(`/datasets/${encodeURIComponent(id)}`);
  const d = dataset.data;
  if (!d) return <>{dataset.error ? <ErrorBox error={dataset.error} /> : <Loading />}</>;
  return (
    <div data-testid="dataset-detail">
      <PageHead
        title={d.name}
        sub={d.description}
        actions={
          <Link className="button primary" to={`/models/new?dataset=${d.id}`}>
            {t("datasets.trainWith")}
          </Link>
        }
      />
      <Card title={t("detail.basic")}>
        <KV
          rows={[
            [t("common.id"), <span className="mono">{d.id}</span>],
            [t("common.trainingType"), <span className="tag">{d.training_type}</span>],
            [t("datasets.files"), d.file_count],
            [t("datasets.size"), formatBytes(d.size_bytes)],
            [t("datasets.location"), <span className="mono small">{d.location}</span>],
            [t("common.created"), formatDate(d.created_at, lang)],
          ]}
        />
      </Card>
    </div>
  );
}
