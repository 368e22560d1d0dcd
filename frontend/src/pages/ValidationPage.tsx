// One validation: live status, then its results (scores, or the annotations of an inference).
import { Link, useParams } from "react-router-dom";
import { withToken } from "../api/client";
import { useJobEvents } from "../api/events";
import { applyEvent, isActive, type Validation } from "../api/types";
import { JobStatusView } from "../components/JobStatus";
import { LogView } from "../components/LogView";
import { StatusBadge } from "../components/Status";
import { Card, Empty, ErrorBox, KV, Loading, PageHead } from "../components/ui";
import { useI18n, useT } from "../i18n";
import { formatDate } from "../lib/format";
import { useApi } from "../lib/useApi";
import { AnnotationsView, type Annotation } from "./validation/AnnotationsView";
import { isScores, ScoresView, type Scores } from "./validation/ScoresView";

function Results({ validation }: { validation: Validation }) {
  const t = useT();
  const r = validation.results;
  if (!r) return <Empty>{t("validation.noResults")}</Empty>;
  if (Array.isArray(r.annotations)) return <AnnotationsView jobId={validation.id} annotations={r.annotations as Annotation[]} />;
  if (isScores(r)) return <ScoresView scores={r as Scores} />;
  return <pre className="code">{JSON.stringify(r, null, 2)}</pre>;
}

export function ValidationPage() {
  const { t, lang } = useI18n();
  const { id = "" } = useParams();
  const validation = useApi<Validation>(`/validations/${id}`);
  useJobEvents((event) => {
    if (event === null) return void validation.reload();
    if (event.id !== id) return;
    validation.setData((v) => v && { ...v, status: event.status, job: applyEvent(v.job, event) });
    if (!isActive(event.status)) void validation.reload(); // the results are there now
  });

  const v = validation.data;
  if (!v) return <>{validation.error ? <ErrorBox error={validation.error} /> : <Loading />}</>;
  const live = isActive(v.status);
  const kind = v.validation_type === "inference" ? t("validate.inference") : t("validate.validation");
  return (
    <div data-testid="validation-detail" data-status={v.status}>
      <PageHead
        title={
          <>
            {kind} <StatusBadge status={v.status} />
          </>
        }
        sub={<span className="mono">{v.id}</span>}
        actions={
          v.results && (
            <a className="button" href={withToken(`/validations/${v.id}/results`)} download>
              ⬇ {t("validation.downloadResults")}
            </a>
          )
        }
      />
      <div className="grid two">
        <Card title={t("detail.basic")}>
          <KV
            rows={[
              [t("validation.model"), <Link to={`/models/${v.model_id}`}>{v.model_id}</Link>],
              [t("validation.type"), kind],
              [t("common.kernel"), v.kernel_id ? <Link to={`/kernels/${v.kernel_id}`}>{v.kernel_id}</Link> : "—"],
              [t("common.datasets"), v.datasets.map((d) => d.name).join(", ")],
              [t("common.created"), formatDate(v.created_at, lang)],
            ]}
          />
        </Card>
        <Card title={t("common.status")}>
          <JobStatusView job={v.job} />
        </Card>
      </div>
      <Card title={v.validation_type === "inference" ? t("validation.annotations") : t("validation.results")} wide testId="results">
        {live ? <Loading /> : <Results validation={v} />}
      </Card>
      <Card title={t("detail.logs")} wide>
        <LogView jobId={v.id} live={live} />
      </Card>
    </div>
  );
}
