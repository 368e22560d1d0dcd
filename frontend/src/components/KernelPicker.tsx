// "Choose kernel": only kernels that support the training type are offered.
import type { Kernel } from "../api/types";
import { useT } from "../i18n";
import { useApi } from "../lib/useApi";
import { Modal } from "./Modal";
import { Empty, ErrorBox, KV, Loading } from "./ui";

export function KernelPicker(props: {
  trainingType: string;
  current?: string | null;
  onPick: (kernel: Kernel) => void;
  onClose: () => void;
}) {
  const t = useT();
  const kernels = useApi<Kernel[]>(`/kernels?training_type=${encodeURIComponent(props.trainingType)}`);
  return (
    <Modal title={t("kernelPicker.title")} onClose={props.onClose}>
      <p className="muted">{t("train.kernelHint", { type: props.trainingType })}</p>
      <ErrorBox error={kernels.error} />
      <Loading what={kernels.data ?? (kernels.error ? null : undefined)} />
      {kernels.data?.length === 0 && <Empty>{t("kernelPicker.none", { type: props.trainingType })}</Empty>}
      <table className="table">
        <tbody>
          {kernels.data?.map((k) => (
            <tr key={k.id} className={k.id === props.current ? "selected" : ""}>
              <td>
                <strong>{k.name}</strong> <span className="muted">{k.version}</span>
                <div className="muted small">{k.description}</div>
              </td>
              <td className="small">{Object.keys(k.model_types).join(", ")}</td>
              <td>
                <button
                  className="primary"
                  data-testid={`pick-kernel-${k.name}`}
                  onClick={() => {
                    props.onPick(k);
                    props.onClose();
                  }}
                >
                  {k.id === props.current ? t("common.selected") : t("common.select")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

export function gpuText(kernel: Kernel): string {
  const { minimum, maximum } = kernel.supported_gpu_count;
  return minimum === maximum ? String(minimum) : `${minimum}–${maximum}`;
}

/** A kernel's essentials, for the train, import and validate screens. */
export function KernelSummary({ kernel }: { kernel: Kernel }) {
  const t = useT();
  return (
    <div data-testid="kernel-summary">
      <div className="kernel-name">
        <a href={`/kernels/${kernel.id}`} target="_blank" rel="noreferrer">
          {kernel.name}
        </a>{" "}
        <span className="muted">{kernel.version}</span>
      </div>
      <p className="muted small">{kernel.description}</p>
      <KV
        rows={[
          [t("common.trainingType"), kernel.training_types.join(", ")],
          [t("kernels.modelTypes"), Object.keys(kernel.model_types).join(", ")],
          [t("kernels.gpus"), gpuText(kernel)],
        ]}
      />
    </div>
  );
}
