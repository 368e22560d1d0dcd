// The settings a model was trained with, and "download settings".
import { withToken } from "../../api/client";
import type { Model } from "../../api/types";
import { Card } from "../../components/ui";
import { useT } from "../../i18n";

function downloadJson(filename: string, value: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

export function SettingsCard({ model }: { model: Model }) {
  const t = useT();
  const actions = model.job ? (
    <>
      <a className="button" href={withToken(`/jobs/${model.id}/settings/model.json`)} download="model.json" data-testid="download-settings">
        ⬇ {t("detail.downloadSettings")}
      </a>
      <a className="button" href={withToken(`/jobs/${model.id}/settings/vlad_training.json`)} download="vlad_training.json">
        ⬇ {t("detail.downloadConfig")}
      </a>
    </>
  ) : (
    <button onClick={() => downloadJson("model.json", model.hyperparameters)} data-testid="download-settings">
      ⬇ {t("detail.downloadSettings")}
    </button>
  );
  return (
    <Card title={t("detail.settings")} actions={actions} testId="settings">
      <pre className="code">{JSON.stringify(model.hyperparameters, null, 2)}</pre>
    </Card>
  );
}
