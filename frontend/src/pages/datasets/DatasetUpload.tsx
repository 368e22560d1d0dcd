// Upload a dataset folder as a .zip, with the upload's progress; refusals as the API words them.
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { upload } from "../../api/client";
import type { Dataset, Kernel } from "../../api/types";
import { ProgressBar } from "../../components/Status";
import { Card, FieldErrors, FieldMessage, RefusalBox } from "../../components/ui";
import { useT } from "../../i18n";
import { formatBytes } from "../../lib/format";
import { useApi } from "../../lib/useApi";

// The form fields shown beside their inputs; every other problem is about the .zip.
const FORM_FIELDS = ["name", "training_type", "description"];

export function DatasetUpload() {
  const t = useT();
  const navigate = useNavigate();
  const kernels = useApi<Kernel[]>("/kernels");
  const types = [...new Set((kernels.data ?? []).flatMap((k) => k.training_types))];
  const [name, setName] = useState("");
  const [trainingType, setTrainingType] = useState("");
  const [description, setDescription] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();

  const submit = async () => {
    if (!file) return;
    const form = new FormData();
    form.set("name", name.trim());
    form.set("training_type", trainingType.trim());
    form.set("description", description);
    form.set("file", file);
    setError(undefined);
    setProgress(0);
    try {
      const dataset = await upload<Dataset>("/datasets/upload", form, setProgress);
      navigate(`/datasets/${dataset.id}`);
    } catch (exc) {
      setError(exc);
      setProgress(null);
    }
  };

  const ready = !!file && !!name.trim() && !!trainingType.trim();
  return (
    <Card title={t("datasets.upload")} testId="dataset-upload">
      <p className="muted small">{t("datasets.uploadHelp")}</p>
      <div className="grid two">
        <label className="field">
          <span>{t("common.name")}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} data-testid="dataset-name" />
          <FieldErrors error={error} fields="name" />
        </label>
        <label className="field">
          <span>{t("common.trainingType")}</span>
          <input list="training-types" value={trainingType} onChange={(e) => setTrainingType(e.target.value)} data-testid="dataset-training-type" />
          <datalist id="training-types">
            {types.map((type) => (
              <option key={type} value={type} />
            ))}
          </datalist>
          <FieldMessage kind="help">{t("datasets.trainingTypeHelp")}</FieldMessage>
          <FieldErrors error={error} fields="training_type" />
        </label>
      </div>
      <label className="field">
        <span>{t("common.description")}</span>
        <input value={description} onChange={(e) => setDescription(e.target.value)} data-testid="dataset-description" />
      </label>
      <label className="field">
        <span>{t("datasets.zip")}</span>
        <input type="file" accept=".zip,application/zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="dataset-zip" />
        {file && <FieldMessage kind="help">{formatBytes(file.size)}</FieldMessage>}
        <FieldErrors error={error} fields={(f) => !FORM_FIELDS.includes(f)} />
      </label>
      {progress !== null && (
        <div data-testid="dataset-progress">
          <ProgressBar value={progress * 100} />
          {progress >= 1 && <div className="muted small">{t("datasets.unpacking")}</div>}
        </div>
      )}
      <RefusalBox error={error} />
      <div className="form-actions">
        <button className="primary" disabled={!ready || progress !== null} onClick={() => void submit()} data-testid="dataset-upload-submit">
          {progress !== null ? t("common.uploading") : t("datasets.uploadSubmit")}
        </button>
      </div>
    </Card>
  );
}
