// Submit a DLaaS job: the model definition (.zip of the code) and its manifest (YAML).
// A refusal of the manifest is shown beside the manifest's text, at the line it is about.
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { ApiError, upload, type FieldError } from "../../api/client";
import type { DlaasSubmitted } from "../../api/types";
import { ProgressBar } from "../../components/Status";
import { Card, FieldErrors, FieldMessage, RefusalBox } from "../../components/ui";
import { useT } from "../../i18n";
import { lineOfProblem } from "../../lib/yamlLines";

const isManifestField = (field: string) => field === "manifest" || field.startsWith("manifest.");

/** The manifest's text, read-only, numbered, with each refused line marked and its problems under it. */
export function ManifestView({ text, errors }: { text: string; errors: FieldError[] }) {
  const t = useT();
  const lines = text.replace(/\n$/, "").split("\n");
  const placed = errors.map((e) => ({ ...e, line: lineOfProblem(text, e.field, e.problem) }));
  const unplaced = placed.filter((e) => e.line === null || e.line > lines.length);
  return (
    <div data-testid="manifest-view">
      <pre className="code manifest">
        {lines.map((line, i) => {
          const here = placed.filter((e) => e.line === i + 1);
          return (
            <div key={i} className={here.length ? "manifest-line has-problem" : "manifest-line"} data-line={i + 1} data-testid={here.length ? "manifest-problem-line" : undefined}>
              <span className="line-no">{i + 1}</span>
              <span>{line || " "}</span>
              {here.map((e, j) => (
                <div key={j} className="line-problem" data-testid="manifest-problem" data-field={e.field}>
                  ⚠ <code>{e.field.replace(/^manifest\./, "")}</code>: {e.problem}
                  {e.allowed ? ` (${t("common.allowed", { allowed: e.allowed })})` : ""}
                </div>
              ))}
            </div>
          );
        })}
      </pre>
      {unplaced.map((e, i) => (
        <FieldMessage key={i} testId="manifest-problem">
          <code>{e.field}</code>: {e.problem}
          {e.allowed ? ` (${t("common.allowed", { allowed: e.allowed })})` : ""}
        </FieldMessage>
      ))}
    </div>
  );
}

export function DlaasSubmit() {
  const t = useT();
  const navigate = useNavigate();
  const [zip, setZip] = useState<File | null>(null);
  const [manifest, setManifest] = useState<File | null>(null);
  const [text, setText] = useState("");
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();

  const submit = async () => {
    if (!zip || !manifest) return;
    const form = new FormData();
    form.set("model_definition", zip);
    form.set("manifest", manifest);
    setError(undefined);
    setProgress(0);
    try {
      const job = await upload<DlaasSubmitted>("/dlaas/models", form, setProgress);
      navigate(`/dlaas/${job.model_id}`);
    } catch (exc) {
      setError(exc);
      setProgress(null);
    }
  };

  const manifestErrors = error instanceof ApiError ? error.errors.filter((e) => isManifestField(e.field)) : [];
  return (
    <Card title={t("dlaas.submit")} testId="dlaas-submit">
      <p className="muted small">{t("dlaas.submitHelp")}</p>
      <div className="grid two">
        <div>
          <label className="field">
            <span>{t("dlaas.modelDefinition")}</span>
            <input type="file" accept=".zip,application/zip" onChange={(e) => setZip(e.target.files?.[0] ?? null)} data-testid="dlaas-zip" />
            <FieldErrors error={error} fields={(f) => !isManifestField(f)} />
          </label>
          <label className="field">
            <span>{t("dlaas.manifest")}</span>
            <input
              type="file"
              accept=".yml,.yaml,text/yaml"
              data-testid="dlaas-manifest"
              onChange={(e) => {
                const file = e.target.files?.[0] ?? null;
                setManifest(file);
                setError(undefined);
                void (file ? file.text() : Promise.resolve("")).then(setText);
              }}
            />
            <FieldMessage kind="help">{t("dlaas.manifestHelp")}</FieldMessage>
          </label>
          {progress !== null && <ProgressBar value={progress * 100} />}
          <RefusalBox error={error} />
          <div className="form-actions">
            <button className="primary" disabled={!zip || !manifest || progress !== null} onClick={() => void submit()} data-testid="dlaas-submit-button">
              {progress !== null ? t("common.uploading") : t("dlaas.submitButton")}
            </button>
          </div>
        </div>
        {text ? <ManifestView text={text} errors={manifestErrors} /> : <div className="muted">{t("dlaas.noManifest")}</div>}
      </div>
    </Card>
  );
}
