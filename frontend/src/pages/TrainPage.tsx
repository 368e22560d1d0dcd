// Train / retrain / train further (SPEC section 6). Every check the platform makes is
// made here first, so a person sees each problem at its field before starting.
import { useEffect, useMemo, useReducer, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, ApiError, errorsFor, post, type FieldError } from "../api/client";
import type { Experiment, FileOut, Model, TrainRequest } from "../api/types";
import { DatasetChecklist } from "../components/DatasetChecklist";
import { KernelPicker, KernelSummary } from "../components/KernelPicker";
import { StatusBadge } from "../components/Status";
import { Card, ErrorBox, FieldMessage, KV, Loading, PageHead } from "../components/ui";
import { useT } from "../i18n";
import { timestamp } from "../lib/format";
import { parseErrorOffset } from "../lib/jsonPositions";
import { checkAgainstSchema, serverProblems } from "../lib/schema";
import { BatchSection } from "./train/BatchSection";
import { BATCH_PROBLEMS, batchProblems, planBatch } from "./train/batch";
import { GpuField, gpuProblem } from "./train/GpuField";
import { HyperparameterSection, type ParsedJson } from "./train/HyperparameterSection";
import { schedulingProblems, schedulingRequest } from "./train/scheduling";
import { SchedulingFields } from "./train/SchedulingSection";
import { initialForm, trainReducer } from "./train/trainForm";
import { useKernelFor, useTrainSetup } from "./train/useTrainSetup";

type Mode = "train" | "retrain" | "continue";
const TITLES = { train: "train.title", retrain: "train.retrainTitle", continue: "train.continueTitle" } as const;

function parse(text: string): ParsedJson {
  try {
    const value = JSON.parse(text);
    if (!value || typeof value !== "object" || Array.isArray(value))
      return { error: { message: "the hyperparameters must be a JSON object { ... }", offset: 0 } };
    return { value };
  } catch (exc) {
    const message = exc instanceof Error ? exc.message : String(exc);
    return { error: { message, offset: parseErrorOffset(message, text) } };
  }
}

function FieldErrors({ errors }: { errors: FieldError[] }) {
  return (
    <>
      {errors.map((e, i) => (
        <FieldMessage key={i}>
          {e.problem}
          {e.allowed ? ` (${e.allowed})` : ""}
        </FieldMessage>
      ))}
    </>
  );
}

export function TrainPage({ mode }: { mode: Mode }) {
  const t = useT();
  const navigate = useNavigate();
  const { id } = useParams();
  const [form, dispatch] = useReducer(trainReducer, initialForm);
  const { kernel, modelType, hpText, gpu, name, description, files, batch, scheduling, trainDs, valDs, server } = form;
  const setup = useTrainSetup(mode === "train" ? null : (id ?? null), trainDs, dispatch);
  const base = setup.base.data;
  const [stamp] = useState(() => timestamp());
  useKernelFor(setup.trainingType, base, kernel, dispatch);

  useEffect(() => {
    if (form.nameTouched || !kernel) return;
    if (mode === "train") dispatch({ type: "nameProposed", name: `${kernel.name}-${modelType}-${stamp}` });
    else if (base) dispatch({ type: "nameProposed", name: `${base.name}-${mode === "retrain" ? "retrained" : "continued"}` });
  }, [kernel, modelType, base, mode, stamp, form.nameTouched]);

  // Nothing to parse before a kernel gives the editor its defaults: no error before any input.
  const parsed = useMemo<ParsedJson>(() => (kernel ? parse(hpText) : {}), [kernel, hpText]);
  const problems = useMemo(() => {
    const found = kernel && parsed.value ? checkAgainstSchema(kernel.schema_, parsed.value) : [];
    const fromServer = server.hpText === hpText ? serverProblems(server.errors) : [];
    return [...found, ...fromServer.filter((s) => !found.some((f) => f.pointer === s.pointer))];
  }, [kernel, parsed, server, hpText]);
  const plan = planBatch(batch);
  const runProblems = useMemo(
    () => (batch.enabled && kernel && parsed.value ? batchProblems(kernel.schema_, parsed.value, plan.runs) : []),
    [batch.enabled, kernel, parsed.value, plan.runs],
  );
  const gpuError = gpuProblem(kernel, gpu, t);
  const schedulingErrors = Object.values(schedulingProblems(scheduling)).map((key) => t(key));

  const blockers = [
    !trainDs.length && t("train.needDataset"),
    !kernel && t("train.needKernel"),
    parsed.error && t("train.invalidJson", { error: parsed.error.message }),
    problems.length > 0 && t("train.hpErrors", { count: problems.length }),
    gpuError,
    ...schedulingErrors,
    batch.enabled && plan.problem && t(BATCH_PROBLEMS[plan.problem]),
    runProblems[0],
  ].filter(Boolean) as string[];

  const submit = async () => {
    dispatch({ type: "submitting" });
    try {
      const extra = [];
      for (const file of files) {
        const body = new FormData();
        body.set("file", file);
        extra.push((await api<FileOut>("/files", { method: "POST", body })).id);
      }
      const request: TrainRequest = {
        name: name.trim() || undefined,
        description,
        kernel: kernel!.id,
        model_type: modelType,
        training_datasets: trainDs,
        validation_datasets: valDs,
        hyperparameters: parsed.value,
        extra_files: extra,
        gpu_count: Number(gpu),
        ...schedulingRequest(scheduling),
      };
      if (batch.enabled && mode === "train") {
        const experiment = await post<Experiment>("/experiments", { name: batch.name, description, base: request, ...plan.body });
        navigate(`/experiments/${experiment.id}`);
      } else {
        const path = mode === "train" ? "/models" : `/models/${id}/${mode}`;
        navigate(`/models/${(await post<Model>(path, request)).id}`);
      }
    } catch (exc) {
      dispatch({ type: "refused", error: exc, errors: exc instanceof ApiError ? exc.errors : [], hpText });
    } finally {
      dispatch({ type: "settled" });
    }
  };

  const datasets = setup.datasets.data ?? [];
  const touch = () => dispatch({ type: "touched" });
  return (
    <div onChangeCapture={touch} onKeyDownCapture={touch} onPasteCapture={touch}>
      <PageHead title={t(TITLES[mode])} />
      <ErrorBox error={setup.base.error ?? setup.datasets.error} />
      <div className="grid cards">
        {mode !== "train" && (
          <Card title={t("train.baseModel")} testId="base-model">
            <Loading what={base ?? (setup.base.error ? null : undefined)} />
            {base && (
              <>
                <p className="muted small">{t(mode === "retrain" ? "train.baseRetrain" : "train.baseContinue")}</p>
                <KV
                  rows={[
                    [t("common.name"), <Link to={`/models/${base.id}`}>{base.name}</Link>],
                    [t("common.status"), <StatusBadge status={base.status} />],
                    [t("common.kernel"), base.kernel ?? "—"],
                    [t("detail.modelType"), base.model_type ?? "—"],
                    [t("common.trainingType"), base.training_type],
                  ]}
                />
              </>
            )}
          </Card>
        )}
        <Card
          title={t("train.kernel")}
          testId="kernel-panel"
          actions={
            setup.trainingType && (
              <button onClick={() => dispatch({ type: "picking", open: true })} data-testid="choose-kernel">
                {t("train.chooseKernel")}
              </button>
            )
          }
        >
          {kernel ? <KernelSummary kernel={kernel} /> : <div className="muted">{t("train.noKernel")}</div>}
          <FieldErrors errors={errorsFor(server.errors, "kernel")} />
        </Card>
        <Card title={t("common.datasets")}>
          <div className="field">
            <span>{t("train.trainingDatasets")}</span>
            <DatasetChecklist datasets={datasets} selected={trainDs} onChange={(ids) => dispatch({ type: "datasetsChosen", trainDs: ids })} trainingType={setup.trainingType} testId="training-datasets" />
            <FieldErrors errors={errorsFor(server.errors, "training_datasets")} />
          </div>
          <div className="field">
            <span>{t("train.validationDatasets")}</span>
            <DatasetChecklist datasets={datasets} selected={valDs} onChange={(ids) => dispatch({ type: "datasetsChosen", valDs: ids })} trainingType={setup.trainingType} testId="validation-datasets" />
            <FieldErrors errors={errorsFor(server.errors, "validation_datasets")} />
          </div>
        </Card>
        <Card title={t("train.modelName")}>
          <label className="field">
            <span>{t("train.modelType")}</span>
            <select
              value={modelType}
              disabled={!kernel}
              data-testid="model-type"
              onChange={(e) => dispatch({ type: "modelTypeChosen", modelType: e.target.value })}
            >
              {Object.keys(kernel?.model_types ?? {}).map((mt) => (
                <option key={mt}>{mt}</option>
              ))}
            </select>
            <FieldMessage kind="help">{t("train.modelTypeHelp")}</FieldMessage>
            <FieldErrors errors={errorsFor(server.errors, "model_type")} />
          </label>
          <label className="field">
            <span>{t("train.modelName")}</span>
            <input
              value={name}
              data-testid="model-name"
              onChange={(e) => dispatch({ type: "nameEdited", name: e.target.value })}
            />
            <FieldMessage kind="help">{t("train.nameHelp")}</FieldMessage>
          </label>
          <label className="field">
            <span>{t("train.description")}</span>
            <textarea rows={2} value={description} onChange={(e) => dispatch({ type: "descriptionEdited", description: e.target.value })} data-testid="model-description" />
          </label>
        </Card>
      </div>
      <HyperparameterSection text={hpText} onText={(text) => dispatch({ type: "hpEdited", text })} parsed={parsed} schema={kernel?.schema_ ?? null} problems={problems} />
      <div className="grid two">
        {mode === "train" ? (
          <BatchSection batch={batch} onChange={(b) => dispatch({ type: "batchChanged", batch: b })} plan={plan} problems={runProblems} schema={kernel?.schema_ ?? null} />
        ) : null}
        <Card title={t("train.extraFiles")}>
          <label className="field">
            <input type="file" multiple onChange={(e) => dispatch({ type: "filesChosen", files: [...(e.target.files ?? [])] })} data-testid="extra-files" />
            <FieldMessage kind="help">{t("train.extraFilesHelp")}</FieldMessage>
          </label>
          <GpuField kernel={kernel} value={gpu} onChange={(value) => dispatch({ type: "gpuEdited", gpu: value })} serverErrors={errorsFor(server.errors, "gpu_count")} />
        </Card>
        <Card title={t("train.scheduling")}>
          <SchedulingFields value={scheduling} onChange={(changes) => dispatch({ type: "schedulingEdited", changes })} serverErrors={server.errors} />
        </Card>
      </div>
      <ErrorBox error={form.error} />
      <div className="form-actions">
        {blockers.length > 0 && (
          // Before the person has done anything, what is missing is a to-do, not an error.
          <div className={form.touched ? "warn-box" : "hint-box"} data-testid={form.touched ? "blockers" : "blockers-hint"}>
            <strong>{t(form.touched ? "train.blocked" : "train.toStart")}</strong>
            <ul>
              {blockers.map((b, i) => (
                <li key={i}>{b}</li>
              ))}
            </ul>
          </div>
        )}
        <button className="primary big" disabled={blockers.length > 0 || form.busy} onClick={() => void submit()} data-testid="start-training">
          {form.busy ? t("train.starting") : batch.enabled && mode === "train" ? t("train.startBatch", { count: plan.runs.length }) : t("train.start")}
        </button>
      </div>
      {form.picking && setup.trainingType && (
        <KernelPicker
          trainingType={setup.trainingType}
          current={kernel?.id}
          onPick={(k) => dispatch({ type: "kernelChosen", kernel: k, base })}
          onClose={() => dispatch({ type: "picking", open: false })}
        />
      )}
    </div>
  );
}
