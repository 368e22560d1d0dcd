// Model detail: basic information, inference setting, live training status (and the
// attempts that ended before, with a resume for a stopped or failed training), kernel,
// datasets, settings, training graphs drawn live, logs, and this model's validations.
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, post } from "../api/client";
import { useJobEvents } from "../api/events";
import { applyEvent, isActive, type JobStatus, type Model } from "../api/types";
import { JobStatusView } from "../components/JobStatus";
import { LiveGraphs } from "../components/LiveGraphs";
import { LogView } from "../components/LogView";
import { StatusBadge } from "../components/Status";
import { Card, ErrorBox, KV, Loading, PageHead } from "../components/ui";
import { useI18n } from "../i18n";
import { formatDate } from "../lib/format";
import { useApi } from "../lib/useApi";
import { AttemptsCard } from "./detail/AttemptsCard";
import { SettingsCard } from "./detail/SettingsCard";
import { ValidationsTable } from "./detail/ValidationsTable";

function DatasetLinks({ model, role }: { model: Model; role: string }) {
  const items = model.datasets.filter((d) => d.role === role);
  if (!items.length) return <span className="muted">—</span>;
  return (
    <>
      {items.map((d) => (
        <Link key={d.id} className="tag" to={`/datasets/${d.id}`}>
          {d.name}
        </Link>
      ))}
    </>
  );
}

export function ModelDetailPage() {
  const { t, lang } = useI18n();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const model = useApi<Model>(`/models/${id}`);
  const [actionError, setActionError] = useState<unknown>();
  const [resumeError, setResumeError] = useState<unknown>();

  useJobEvents((event) => {
    if (event === null) return void model.reload();
    if (event.id !== id) return;
    const restarted = event.attempt !== undefined && event.attempt !== model.data?.job?.attempt;
    model.setData((m) => (m?.job ? { ...m, status: event.status, job: applyEvent(m.job, event) } : m));
    // finished_at, elapsed, final state from the source; a new attempt: the one that ended.
    if (!isActive(event.status) || restarted) void model.reload();
  });

  const act = async (action: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await action();
      await model.reload();
    } catch (exc) {
      setActionError(exc);
    }
  };

  const resume = async () => {
    setResumeError(undefined);
    try {
      await post(`/jobs/${id}/resume`);
    } catch (exc) {
      setResumeError(exc);
      return;
    }
    await model.reload();
  };

  const m = model.data;
  if (!m) return <>{model.error ? <ErrorBox error={model.error} /> : <Loading />}</>;
  const done = m.status === "done";
  const live = isActive(m.status);
  // A stopped or failed training goes on from its newest checkpoint, as its next attempt.
  const resumable = !!m.job && (m.status === "stopped" || m.status === "failed");
  return (
    <div data-testid="model-detail" data-status={m.status}>
      <PageHead
        title={
          <>
            {m.name} <StatusBadge status={m.status} />
          </>
        }
        sub={<span className="mono">{m.id}</span>}
        actions={
          <>
            {live && (
              <button onClick={() => void act(() => post(`/jobs/${m.id}/stop`))} data-testid="stop">
                ■ {t("detail.stop")}
              </button>
            )}
            {resumable && (
              <button onClick={() => void resume()} title={t("detail.resumeHelp", { n: (m.job?.attempt ?? 1) + 1 })} data-testid="resume-job">
                ▶ {t("detail.resume")}
              </button>
            )}
            <Link className="button" to={`/models/${m.id}/retrain`} data-testid="retrain">
              {t("detail.retrain")}
            </Link>
            {done && (
              <Link className="button" to={`/models/${m.id}/continue`} data-testid="continue">
                {t("detail.continue")}
              </Link>
            )}
            {done ? (
              <Link className="button primary" to={`/models/${m.id}/validate`} data-testid="validate">
                {t("detail.validate")}
              </Link>
            ) : (
              <button className="primary" disabled title={t("validate.onlyDone", { status: t(`status.${m.status}` as `status.${JobStatus}`) })}>
                {t("detail.validate")}
              </button>
            )}
            <button
              className="danger"
              onClick={() =>
                window.confirm(t("common.confirmDelete", { name: m.name })) &&
                void act(async () => {
                  await api(`/models/${m.id}`, { method: "DELETE" });
                  navigate("/models");
                })
              }
            >
              {t("common.delete")}
            </button>
          </>
        }
      />
      <ErrorBox error={actionError} />
      {resumable && resumeError !== undefined && (
        <div data-testid="resume-error">
          <ErrorBox error={resumeError} />
        </div>
      )}
      <div className="grid three">
        <Card title={t("detail.basic")} testId="basic-info">
          <KV
            rows={[
              [t("common.name"), m.name],
              [t("common.description"), m.description || "—"],
              [t("detail.origin"), m.origin],
              [t("detail.modelType"), m.model_type ?? "—"],
              [t("common.trainingType"), m.training_type],
              [t("detail.baseModel"), m.base_model_id ? <Link to={`/models/${m.base_model_id}`}>{m.base_model_id}</Link> : "—"],
              [t("detail.experiment"), m.experiment_id ? <Link to={`/experiments/${m.experiment_id}`}>{m.experiment_id}</Link> : "—"],
              [t("common.created"), formatDate(m.created_at, lang)],
            ]}
          />
        </Card>
        <Card title={t("detail.status")} testId="training-status">
          {m.job ? <JobStatusView job={m.job} /> : <div className="muted">{t("detail.imported")}</div>}
        </Card>
        <div className="stack">
          <Card title={t("detail.inference")} testId="inference-setting">
            <p data-testid="active-state" data-active={m.active}>
              {m.active ? <span className="badge active">✓ {t("detail.activeYes")}</span> : <span className="muted">{t("detail.activeNo")}</span>}
            </p>
            {m.active ? (
              <button onClick={() => void act(() => post(`/models/${m.id}/deactivate`))} data-testid="deactivate">
                {t("detail.deactivate")}
              </button>
            ) : (
              <button className="primary" disabled={!done} title={done ? "" : t("detail.activateOnlyDone")} onClick={() => void act(() => post(`/models/${m.id}/activate`))} data-testid="activate">
                {t("detail.activate")}
              </button>
            )}
          </Card>
          <Card title={t("common.kernel")}>
            <KV
              rows={[
                [t("common.kernel"), m.kernel_id ? <Link to={`/kernels/${m.kernel_id}`}>{m.kernel}</Link> : "—"],
                [t("detail.trainingDatasets"), <DatasetLinks model={m} role="train" />],
                [t("detail.validationDatasets"), <DatasetLinks model={m} role="val" />],
              ]}
            />
          </Card>
        </div>
      </div>
      {m.job && <AttemptsCard job={m.job} />}
      {m.job && (
        <Card title={t("detail.graphs")} wide testId="graphs-card">
          <LiveGraphs jobId={m.id} live={live} attempt={m.job.attempt} />
        </Card>
      )}
      <div className="grid two">
        <SettingsCard model={m} />
        {m.job && (
          <Card title={t("detail.logs")}>
            <LogView jobId={m.id} live={live} />
          </Card>
        )}
      </div>
      <Card title={t("detail.validations")} wide>
        <ValidationsTable modelId={m.id} />
      </Card>
    </div>
  );
}
