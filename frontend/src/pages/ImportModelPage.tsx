// Import a model: its file and its settings (model.json); the kernel that supports the
// settings' training type is proposed, and may be changed.
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { Kernel, Model } from "../api/types";
import { KernelPicker, KernelSummary } from "../components/KernelPicker";
import { Card, ErrorBox, FieldMessage, PageHead } from "../components/ui";
import { useT } from "../i18n";

interface Settings {
  trainingType: string | null;
  problem: string | null;
}

async function readSettings(file: File): Promise<Settings> {
  try {
    const value = JSON.parse(await file.text());
    const type = value && typeof value === "object" ? value.training_type : null;
    return { trainingType: typeof type === "string" && type ? type : null, problem: type ? null : "no-type" };
  } catch (exc) {
    return { trainingType: null, problem: String(exc) };
  }
}

export function ImportModelPage() {
  const t = useT();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [modelFile, setModelFile] = useState<File | null>(null);
  const [settingsFile, setSettingsFile] = useState<File | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [kernel, setKernel] = useState<Kernel | null>(null);
  const [proposed, setProposed] = useState(false);
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const onSettings = async (file: File | null) => {
    setSettingsFile(file);
    setKernel(null);
    setProposed(false);
    if (!file) return setSettings(null);
    const read = await readSettings(file);
    setSettings(read);
    if (read.trainingType) {
      try {
        const k = await api<Kernel | null>(`/kernels/proposal?training_type=${encodeURIComponent(read.trainingType)}`);
        setKernel(k);
        setProposed(true);
      } catch (exc) {
        setError(exc);
      }
    }
  };

  const submit = async () => {
    if (!modelFile || !settingsFile) return;
    const form = new FormData();
    form.set("name", name || modelFile.name.replace(/\.[^.]+$/, ""));
    form.set("description", description);
    form.set("model_file", modelFile);
    form.set("settings_file", settingsFile);
    if (kernel) form.set("kernel", kernel.id);
    setBusy(true);
    try {
      const model = await api<Model>("/models/import", { method: "POST", body: form });
      navigate(`/models/${model.id}`);
    } catch (exc) {
      setError(exc);
    } finally {
      setBusy(false);
    }
  };

  const type = settings?.trainingType;
  return (
    <div>
      <PageHead title={t("import.title")} />
      <div className="grid two">
        <Card title={t("import.modelFile")}>
          <label className="field">
            <span>{t("import.modelFile")}</span>
            <input
              type="file"
              data-testid="import-model-file"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setModelFile(f);
                if (f && !name) setName(f.name.replace(/\.[^.]+$/, ""));
              }}
            />
          </label>
          <label className="field">
            <span>{t("import.settingsFile")}</span>
            <input type="file" accept=".json,application/json" data-testid="import-settings-file" onChange={(e) => void onSettings(e.target.files?.[0] ?? null)} />
            <FieldMessage kind="help">{t("import.settingsHelp")}</FieldMessage>
            {settings?.problem === "no-type" && <FieldMessage>{t("import.noTrainingType")}</FieldMessage>}
            {settings?.problem && settings.problem !== "no-type" && <FieldMessage>{t("import.notJson", { error: settings.problem })}</FieldMessage>}
            {type && <div className="muted small" data-testid="import-training-type">{t("import.trainingTypeOf", { type })}</div>}
          </label>
          <label className="field">
            <span>{t("common.name")}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} data-testid="import-name" />
          </label>
          <label className="field">
            <span>{t("common.description")}</span>
            <textarea rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
          </label>
        </Card>
        <Card
          title={t("train.kernel")}
          actions={
            type && (
              <button onClick={() => setPicking(true)} data-testid="change-kernel">
                {t("import.changeKernel")}
              </button>
            )
          }
        >
          {!type && <div className="muted">{t("import.settingsHelp")}</div>}
          {type && kernel && (
            <>
              {proposed && <div className="tag ok">{t("import.proposed", { type })}</div>}
              <KernelSummary kernel={kernel} />
            </>
          )}
          {type && !kernel && <FieldMessage kind="warn">{t("import.noKernel", { type })}</FieldMessage>}
        </Card>
      </div>
      <ErrorBox error={error} />
      <div className="form-actions">
        <button className="primary" disabled={!modelFile || !settingsFile || !type || busy} onClick={() => void submit()} data-testid="import-submit">
          {t("import.submit")}
        </button>
      </div>
      {picking && type && (
        <KernelPicker
          trainingType={type}
          current={kernel?.id}
          onPick={(k) => {
            setKernel(k);
            setProposed(false);
          }}
          onClose={() => setPicking(false)}
        />
      )}
    </div>
  );
}
