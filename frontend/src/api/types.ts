// The API's answers (src/vlad/server/schemas/responses.py).

export type JobStatus = "waiting" | "training" | "done" | "failed" | "stopped";

export interface GpuRange {
  minimum: number;
  maximum: number;
}

export interface Kernel {
  id: string;
  name: string;
  version: string;
  description: string;
  image: string | null;
  training_types: string[];
  supported_gpu_count: GpuRange;
  model_types: Record<string, Record<string, unknown>>;
  schema_: JsonSchema;
  path: string | null;
  executor: string | null;
  created_at: string;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  [key: string]: unknown;
}

export interface Dataset {
  id: string;
  name: string;
  description: string;
  training_type: string;
  location: string;
  file_count: number;
  size_bytes: number;
  created_at: string;
}

export interface Job {
  status: JobStatus;
  percentage: number | null;
  step: number | null;
  message: string | null;
  exit_code: number | null;
  gpu_count: number;
  executor: string;
  queue_position: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  elapsed_seconds: number | null;
}

export interface DatasetRef {
  id: string;
  name: string;
  role: "train" | "val" | string;
}

export interface Model {
  id: string;
  name: string;
  description: string;
  origin: string;
  status: JobStatus;
  kernel_id: string | null;
  kernel: string | null;
  model_type: string | null;
  training_type: string;
  hyperparameters: Record<string, unknown>;
  base_model_id: string | null;
  experiment_id: string | null;
  active: boolean;
  created_at: string;
  job: Job | null;
  datasets: DatasetRef[];
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export interface Validation {
  id: string;
  model_id: string;
  validation_type: "validation" | "inference";
  kernel_id: string | null;
  status: JobStatus;
  created_at: string;
  job: Job;
  datasets: DatasetRef[];
  results: Record<string, unknown> | null;
}

export interface ExperimentRun {
  model: Model;
  final_metrics: Record<string, number>;
}

export interface Experiment {
  id: string;
  name: string;
  description: string;
  spec: Record<string, unknown>;
  created_at: string;
  status_counts: Record<string, number>;
  runs: ExperimentRun[];
}

export interface Graph {
  name: string;
  x_name: string;
  x: number[];
  series: Record<string, (number | null)[]>;
  offset: number;
}

export interface FileOut {
  id: string;
  filename: string;
  size: number;
}

/** One `job` event of `GET /events`. */
export interface JobEvent {
  type: "job";
  id: string;
  operation: string;
  status: JobStatus;
  percentage: number | null;
  step: number | null;
  message: string | null;
  exit_code: number | null;
  started_at: string | null;
  finished_at: string | null;
}

export const ACTIVE_STATUSES: JobStatus[] = ["waiting", "training"];
export const isActive = (status: string | undefined): boolean =>
  status === "waiting" || status === "training";

/** A job's fields updated from a live event. */
export function applyEvent(job: Job, event: JobEvent): Job {
  return {
    ...job,
    status: event.status,
    percentage: event.percentage,
    step: event.step,
    message: event.message,
    exit_code: event.exit_code,
    started_at: event.started_at,
    finished_at: event.finished_at,
  };
}
