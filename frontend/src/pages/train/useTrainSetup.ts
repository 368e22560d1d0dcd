// What the train form starts from: the base model (retrain, train further), the datasets,
// and the kernel (the base's, else the one proposed for the datasets' training type).
import { useEffect, useLayoutEffect, type Dispatch } from "react";
import { useSearchParams } from "react-router-dom";
import { api } from "../../api/client";
import type { Dataset, Kernel, Model } from "../../api/types";
import { useApi } from "../../lib/useApi";
import type { TrainAction } from "./trainForm";

/** Loads the base and the datasets, and ticks the datasets the form starts with. */
export function useTrainSetup(baseId: string | null, trainDs: string[], dispatch: Dispatch<TrainAction>) {
  const [params] = useSearchParams();
  const base = useApi<Model>(baseId ? `/models/${baseId}` : null);
  const datasets = useApi<Dataset[]>("/datasets");

  useEffect(() => {
    if (!base.data) return;
    dispatch({
      type: "datasetsChosen",
      trainDs: base.data.datasets.filter((d) => d.role === "train").map((d) => d.id),
      valDs: base.data.datasets.filter((d) => d.role === "val").map((d) => d.id),
    });
  }, [base.data, dispatch]);

  // `?dataset=` and `?val=` name the datasets to start with (the first-start button, a
  // dataset's "Train with this dataset"); without them, the only dataset some kernel can
  // train is chosen already: a choice with one option is no choice.
  const kernels = useApi<Kernel[]>(baseId ? null : "/kernels");
  const wanted = params.get("dataset");
  const wantedVal = params.get("val");
  // Before paint, so the list never shows unticked what is about to be ticked.
  useLayoutEffect(() => {
    if (baseId || !datasets.data || !kernels.data) return;
    const all = datasets.data;
    const find = (ref: string | null) => all.find((d) => d.id === ref || d.name === ref);
    const trainable = new Set(kernels.data.flatMap((k) => k.training_types));
    const options = all.filter((d) => trainable.has(d.training_type));
    const train = wanted ? find(wanted) : options.length === 1 ? options[0] : undefined;
    const val = find(wantedVal);
    if (train || val) dispatch({ type: "datasetsChosen", trainDs: train && [train.id], valDs: val && [val.id] });
  }, [datasets.data, kernels.data, wanted, wantedVal, baseId, dispatch]);

  const trainingType =
    base.data?.training_type ?? datasets.data?.find((d) => trainDs.includes(d.id))?.training_type ?? null;
  // The list is shown once the datasets to start with are known: a tick made while the
  // kernels were still loading would otherwise be undone by that choice arriving.
  const ready = baseId ? datasets : { ...datasets, data: kernels.data ? datasets.data : undefined };
  return { base, datasets: ready, trainingType };
}

/** Fetches the kernel to start with whenever the training type needs one. */
export function useKernelFor(
  trainingType: string | null,
  base: Model | undefined,
  current: Kernel | null,
  dispatch: Dispatch<TrainAction>,
): void {
  const baseKernel = base?.kernel_id ?? null;
  const fits = !!current && !!trainingType && current.training_types.includes(trainingType);
  useEffect(() => {
    if (!trainingType || fits) return;
    let cancelled = false;
    const path = baseKernel ? `/kernels/${baseKernel}` : `/kernels/proposal?training_type=${encodeURIComponent(trainingType)}`;
    api<Kernel | null>(path)
      .then((kernel) => !cancelled && dispatch({ type: "kernelChosen", kernel, base }))
      .catch((error) => !cancelled && dispatch({ type: "failed", error }));
    return () => {
      cancelled = true;
    };
    // `base` is read when the kernel comes, as it was when the fetch began.
  }, [trainingType, baseKernel, fits, dispatch]);
}
