// Validate a model (only a finished one): kernel (the training kernel by default,
// changeable), datasets, action type validation or inference (auto-labeling), start.
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, ApiError, errorsFor, post, type FieldError } from "../api/client";
import type { Dataset, Kernel, JobStatus, Model, Validation } from "../api/types";
import { DatasetChecklist } from "../components/DatasetChecklist";
import { KernelPicker, KernelSummary } from "../components/KernelPicker";
import { StatusBadge } from "../components/Status";
import { Card, ErrorBox, FieldMessage, KV, Loading, PageHead } from "../components/ui";
import { useT } from "../i18n";
import { useApi } from "../lib/useApi";
import { GpuField, gpuProblem } from "./train/GpuField";

export function ValidatePage() {
  const t = useT();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const model = useApi<Model>(`/models/${id}`);
  const datasets = useApi<Dataset[]>("/datasets");
  const [kernel, setKernel] = useState<Kernel | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [action, setAction] = useState<"validation" | "inference">("validation");
  const [gpu, setGpu] = useState("");
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState<unknown>();
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);

  const m = model.data;
  useEffect(() => {
    if (!m) return;
    const ref = m.kernel_id;
    const path = ref ? `/kernels/${ref}` : `/kernels/proposal?training_type=${encodeURIComponent(m.training_type)}`;
    api<Kernel | null>(path)
      .then((k) => {
        setKernel(k);
        if (k) setGpu(String(k.supported_gpu_count.minimum));
      })
      .catch(setError);
    setSelected(m.datasets.filter((d) => d.role === "val").map((d) => d.id));
  }, [m]);

  if (!m) return <>{model.error ? <ErrorBox error={model.error} /> : <Loading />}</>;
  const done = m.status === "done";
  const gpuError = gpuProblem(kernel, gpu, t);

  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { kernel: kernel?.id, datasets: selected, validation_type: action, gpu_count: Number(gpu) };
      const validation = await post<Validation>(`/models/${m.id}/validations`, body);
      navigate(`/validations/${validation.id}`);
    } catch (exc) {
      setError(exc);
      setFieldErrors(exc instanceof ApiError ? exc.errors : []);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <PageHead title={t("validate.title")} />
      {!done && (
        <div className="warn-box" data-testid="not-done">
          ⚠ {t("validate.onlyDone", { status: t(`status.${m.status}` as `status.${JobStatus}`) })}
        </div>
      )}
      <div className="grid two">
        <Card title={t("validate.model")}>
          <KV
            rows={[
              [t("common.name"), <Link to={`/models/${m.id}`}>{m.name}</Link>],
              [t("common.status"), <StatusBadge status={m.status} />],
              [t("detail.modelType"), m.model_type ?? "—"],
              [t("common.trainingType"), m.training_type],
              [t("common.kernel"), m.kernel ?? "—"],
            ]}
          />
        </Card>
        <Card
          title={t("validate.kernel")}
          actions={
            <button onClick={() => setPicking(true)} data-testid="choose-kernel">
              {t("train.chooseKernel")}
            </button>
          }
        >
          <p className="muted small">{t("validate.kernelHelp")}</p>
          {kernel && <KernelSummary kernel={kernel} />}
          {errorsFor(fieldErrors, "kernel").map((e, i) => (
            <FieldMessage key={i}>{e.problem}</FieldMessage>
          ))}
        </Card>
        <Card title={t("validate.datasets")}>
          <DatasetChecklist datasets={datasets.data ?? []} selected={selected} onChange={setSelected} trainingType={m.training_type} testId="validation-datasets" />
          {!selected.length && <FieldMessage kind="warn">{t("validate.needDataset")}</FieldMessage>}
          {errorsFor(fieldErrors, "datasets").map((e, i) => (
            <FieldMessage key={i}>{e.problem}</FieldMessage>
          ))}
        </Card>
        <Card title={t("validate.action")}>
          {(["validation", "inference"] as const).map((a) => (
            <label key={a} className="check block">
              <input type="radio" name="action" value={a} checked={action === a} onChange={() => setAction(a)} data-testid={`action-${a}`} />
              <span>
                <strong>{t(`validate.${a}`)}</strong>
                <div className="muted small">{t(a === "validation" ? "validate.validationHelp" : "validate.inferenceHelp")}</div>
              </span>
            </label>
          ))}
          <GpuField kernel={kernel} value={gpu} onChange={setGpu} serverErrors={errorsFor(fieldErrors, "gpu_count")} />
        </Card>
      </div>
      <ErrorBox error={error} />
      <div className="form-actions">
        <button className="primary big" disabled={!done || !kernel || !selected.length || !!gpuError || busy} onClick={() => void start()} data-testid="start-validation">
          {t("validate.start")}
        </button>
      </div>
      {picking && (
        <KernelPicker
          trainingType={m.training_type}
          current={kernel?.id}
          onPick={(k) => {
            setKernel(k);
            setGpu(String(k.supported_gpu_count.minimum));
          }}
          onClose={() => setPicking(false)}
        />
      )}
    </div>
  );
}
