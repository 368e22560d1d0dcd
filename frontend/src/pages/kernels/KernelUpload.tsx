// Register a kernel by uploading its folder as a .zip (kernel.json and the code), checked
// as `POST /kernels` checks; each refusal is shown at the field it is about.
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { upload } from "../../api/client";
import type { Kernel } from "../../api/types";
import { ProgressBar } from "../../components/Status";
import { Card, FieldErrors, FieldMessage, RefusalBox } from "../../components/ui";
import { useT } from "../../i18n";

export function KernelUpload() {
  const t = useT();
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [executor, setExecutor] = useState("");
  const [check, setCheck] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();

  const submit = async () => {
    if (!file) return;
    const form = new FormData();
    form.set("file", file);
    if (executor.trim()) form.set("executor", executor.trim());
    setError(undefined);
    setProgress(0);
    try {
      const kernel = await upload<Kernel>(`/kernels/upload${check ? "?check=true" : ""}`, form, setProgress);
      navigate(`/kernels/${kernel.id}`);
    } catch (exc) {
      setError(exc);
      setProgress(null);
    }
  };

  return (
    <Card title={t("kernels.register")} testId="kernel-upload">
      <p className="muted small">{t("kernels.registerHelp")}</p>
      <label className="field">
        <span>{t("kernels.zip")}</span>
        <input
          type="file"
          accept=".zip,application/zip"
          data-testid="kernel-zip"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setError(undefined);
          }}
        />
        <FieldErrors error={error} fields={(f) => f !== "executor" && f !== "check"} />
      </label>
      <label className="field">
        <span>{t("kernels.executor")}</span>
        <input value={executor} placeholder={t("kernels.executorDefault")} onChange={(e) => setExecutor(e.target.value)} data-testid="kernel-executor" />
        <FieldMessage kind="help">{t("kernels.executorHelp")}</FieldMessage>
        <FieldErrors error={error} fields="executor" />
      </label>
      <label className="check">
        <input type="checkbox" checked={check} onChange={(e) => setCheck(e.target.checked)} data-testid="kernel-check-after" />
        {t("kernels.checkAfter")}
      </label>
      <FieldMessage kind="help">{t("kernels.checkAfterHelp")}</FieldMessage>
      <FieldErrors error={error} fields="check" />
      {progress !== null && <ProgressBar value={progress * 100} />}
      <RefusalBox error={error} />
      <div className="form-actions">
        <button className="primary" disabled={!file || progress !== null} onClick={() => void submit()} data-testid="kernel-upload-submit">
          {progress !== null ? t("common.uploading") : t("kernels.registerSubmit")}
        </button>
      </div>
    </Card>
  );
}
