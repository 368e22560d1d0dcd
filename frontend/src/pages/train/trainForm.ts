// The train form's state, changed only by the actions below (TrainPage's reducer), so
// what each input does to the rest (a kernel resets the hyperparameters, a model type
// its defaults, an edited name stops the proposals) is said in one place.
import type { FieldError } from "../../api/client";
import type { Kernel, Model } from "../../api/types";
import { emptyBatch, type BatchState } from "./batch";
import { defaultScheduling, type Scheduling } from "./scheduling";

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

export interface TrainForm {
  kernel: Kernel | null;
  modelType: string;
  hpText: string;
  gpu: string;
  name: string;
  /** The person typed a name: proposals no longer replace it. */
  nameTouched: boolean;
  description: string;
  files: File[];
  batch: BatchState;
  /** Priority, CPUs, memory and restarts, as typed ("" for CPUs and memory: the kernel's). */
  scheduling: Scheduling;
  trainDs: string[];
  valDs: string[];
  /** The kernel picker is open. */
  picking: boolean;
  /** The person has done something: what is missing is now an error, not a to-do. */
  touched: boolean;
  /** Submitting. */
  busy: boolean;
  error: unknown;
  /** The platform's refusal, with the hyperparameters it was about. */
  server: { errors: FieldError[]; hpText: string };
}

export type TrainAction =
  | { type: "kernelChosen"; kernel: Kernel | null; base: Model | undefined }
  | { type: "modelTypeChosen"; modelType: string }
  | { type: "hpEdited"; text: string }
  | { type: "gpuEdited"; gpu: string }
  | { type: "nameEdited"; name: string }
  | { type: "nameProposed"; name: string }
  | { type: "descriptionEdited"; description: string }
  | { type: "filesChosen"; files: File[] }
  | { type: "batchChanged"; batch: BatchState }
  | { type: "schedulingEdited"; changes: Partial<Scheduling> }
  | { type: "datasetsChosen"; trainDs?: string[]; valDs?: string[] }
  | { type: "picking"; open: boolean }
  | { type: "touched" }
  | { type: "failed"; error: unknown }
  | { type: "submitting" }
  | { type: "refused"; error: unknown; errors: FieldError[]; hpText: string }
  | { type: "settled" };

export const initialForm: TrainForm = {
  kernel: null,
  modelType: "",
  hpText: "",
  gpu: "",
  name: "",
  nameTouched: false,
  description: "",
  files: [],
  batch: emptyBatch,
  scheduling: defaultScheduling,
  trainDs: [],
  valDs: [],
  picking: false,
  touched: false,
  busy: false,
  error: undefined,
  server: { errors: [], hpText: "" },
};

export function trainReducer(state: TrainForm, action: TrainAction): TrainForm {
  switch (action.type) {
    case "kernelChosen": {
      // A kernel brings its model type, hyperparameters and GPU count (the base's, if it is the base's kernel).
      const { kernel, modelType, hpText, gpu } = startWith(action.kernel, action.base);
      return { ...state, kernel, modelType, hpText, gpu };
    }
    case "modelTypeChosen":
      return {
        ...state,
        modelType: action.modelType,
        hpText: state.kernel ? pretty(state.kernel.model_types[action.modelType]) : state.hpText,
      };
    case "hpEdited":
      return { ...state, hpText: action.text };
    case "gpuEdited":
      return { ...state, gpu: action.gpu };
    case "nameEdited":
      return { ...state, name: action.name, nameTouched: true };
    case "nameProposed":
      return state.nameTouched || state.name === action.name ? state : { ...state, name: action.name };
    case "descriptionEdited":
      return { ...state, description: action.description };
    case "filesChosen":
      return { ...state, files: action.files };
    case "batchChanged":
      return { ...state, batch: action.batch };
    case "schedulingEdited":
      return { ...state, scheduling: { ...state.scheduling, ...action.changes } };
    case "datasetsChosen":
      return { ...state, trainDs: action.trainDs ?? state.trainDs, valDs: action.valDs ?? state.valDs };
    case "picking":
      return { ...state, picking: action.open };
    case "touched":
      return state.touched ? state : { ...state, touched: true };
    case "failed":
      return { ...state, error: action.error };
    case "submitting":
      return { ...state, busy: true, error: undefined };
    case "refused":
      return { ...state, error: action.error, server: { errors: action.errors, hpText: action.hpText } };
    case "settled":
      return { ...state, busy: false };
  }
}
