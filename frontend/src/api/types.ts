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

/** `GET /project`: the caller's project and role (admins manage tokens). */
export interface Project {
  id: string;
  name: string;
  role: "admin" | "member";
  created_at: string;
}

/** One API token as `GET /tokens` lists it (never its secret). */
export interface Token {
  id: string;
  name: string;
  role: "admin" | "member";
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** `POST /tokens`: the secret is in this answer only. */
export interface TokenCreated {
  id: string;
  name: string;
  role: "admin" | "member";
  token: string;
  created_at: string;
  expires_at: string | null;
}

/** A DLaaS job as `vlad list trained-models` shows it (src/vlad/dlaas/schemas.py). */
export interface DlaasSummary {
  number: number;
  id: string;
  name: string;
  status: JobStatus;
  submitted_at: string;
}

export interface DlaasSubmitted {
  model_id: string;
  name: string;
  status: JobStatus;
  url: string;
  gpu_count: number;
  note: string | null;
}

export interface DlaasStore {
  endpoint_url: string;
  bucket: string;
  location: string;
}

export interface DlaasResults extends DlaasStore {
  status: "pending" | "uploading" | "uploaded" | "failed" | string;
  message: string | null;
  uploaded_at: string | null;
}

/** A DLaaS job as `vlad show` shows it. */
export interface DlaasModel {
  id: string;
  url: string;
  name: string;
  description: string;
  state: JobStatus;
  submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
  percentage: number | null;
  step: number | null;
  message: string | null;
  exit_code: number | null;
  framework: Record<string, string>;
  author: Record<string, string> | null;
  command: string;
  resource: string;
  gpu_count: number;
  data: DlaasStore;
  results: DlaasResults;
  expires_at: string;
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
