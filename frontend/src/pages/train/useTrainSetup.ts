// What the train form starts from: the base model (retrain, train further), the datasets,
// and the kernel (the base's, else the one proposed for the datasets' training type).
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { api } from "../../api/client";
import type { Dataset, Kernel, Model } from "../../api/types";
import { useApi } from "../../lib/useApi";

export const pretty = (value: unknown): string => JSON.stringify(value, null, 2);

export interface KernelChoice {
  kernel: Kernel | null;
  modelType: string;
  hpText: string;
  gpu: string;
}

/** The model type, hyperparameters and GPU count a newly chosen kernel starts with. */
export function startWith(kernel: Kernel | null, base: Model | undefined): KernelChoice {
  if (!kernel) return { kernel, modelType: "", hpText: "", gpu: "" };
  const types = Object.keys(kernel.model_types);
  const sameKernel = !!base && base.kernel_id === kernel.id;
  const modelType = base?.model_type && types.includes(base.model_type) ? base.model_type : types[0];
  const { minimum, maximum } = kernel.supported_gpu_count;
  const baseGpu = base?.job?.gpu_count;
  const gpu = sameKernel && baseGpu !== undefined && baseGpu >= minimum && baseGpu <= maximum ? baseGpu : minimum;
  return {
    kernel,
    modelType,
    hpText: pretty(sameKernel ? base!.hyperparameters : kernel.model_types[modelType]),
    gpu: String(gpu),
  };
}

export function useTrainSetup(baseId: string | null) {
  const [params] = useSearchParams();
  const base = useApi<Model>(baseId ? `/models/${baseId}` : null);
  const datasets = useApi<Dataset[]>("/datasets");
  const [trainDs, setTrainDs] = useState<string[]>([]);
  const [valDs, setValDs] = useState<string[]>([]);

  useEffect(() => {
    if (!base.data) return;
    setTrainDs(base.data.datasets.filter((d) => d.role === "train").map((d) => d.id));
    setValDs(base.data.datasets.filter((d) => d.role === "val").map((d) => d.id));
  }, [base.data]);

  // `?dataset=` and `?val=` name the datasets to start with (the first-start button, a
  // dataset's "Train with this dataset"); without them, the only dataset some kernel can
  // train is chosen already: a choice with one option is no choice.
  const kernels = useApi<Kernel[]>(baseId ? null : "/kernels");
  const wanted = params.get("dataset");
  const wantedVal = params.get("val");
  useEffect(() => {
    if (baseId || !datasets.data || !kernels.data) return;
    const all = datasets.data;
    const find = (ref: string | null) => all.find((d) => d.id === ref || d.name === ref);
    const trainable = new Set(kernels.data.flatMap((k) => k.training_types));
    const options = all.filter((d) => trainable.has(d.training_type));
    const train = wanted ? find(wanted) : options.length === 1 ? options[0] : undefined;
    if (train) setTrainDs([train.id]);
    const val = find(wantedVal);
    if (val) setValDs([val.id]);
  }, [datasets.data, kernels.data, wanted, wantedVal, baseId]);

  const trainingType =
    base.data?.training_type ?? datasets.data?.find((d) => trainDs.includes(d.id))?.training_type ?? null;
  return { base, datasets, trainDs, setTrainDs, valDs, setValDs, trainingType };
}

/** Fetches the kernel to start with whenever the training type needs one. */
export function useKernelFor(
  trainingType: string | null,
  base: Model | undefined,
  current: Kernel | null,
  choose: (k: Kernel | null) => void,
  onError: (e: unknown) => void,
): void {
  const baseKernel = base?.kernel_id ?? null;
  const fits = !!current && !!trainingType && current.training_types.includes(trainingType);
  useEffect(() => {
    if (!trainingType || fits) return;
    let cancelled = false;
    const path = baseKernel ? `/kernels/${baseKernel}` : `/kernels/proposal?training_type=${encodeURIComponent(trainingType)}`;
    api<Kernel | null>(path)
      .then((k) => !cancelled && choose(k))
      .catch((e) => !cancelled && onError(e));
    return () => {
      cancelled = true;
    };
    // `choose` and `onError` are stable setters of the page.
  }, [trainingType, baseKernel, fits]);
}
