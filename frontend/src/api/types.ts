// The API's answers under the names the pages use. Their shapes are generated from the
// API's /openapi.json into schema.d.ts (scripts/gen-api-types.sh): change the server's
// schemas, regenerate, and the compiler shows every page that must follow.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Dataset = Schemas["DatasetOut"];
export type DatasetRef = Schemas["DatasetRef"];
export type DlaasModel = Schemas["DlaasModelOut"];
export type DlaasResults = Schemas["DlaasResults"];
export type DlaasStore = Schemas["DlaasStore"];
export type DlaasSubmitted = Schemas["DlaasSubmitted"];
export type DlaasSummary = Schemas["DlaasSummary"];
export type Experiment = Schemas["ExperimentOut"];
export type ExperimentRun = Schemas["ExperimentRun"];
/** An experiment that searches (`Experiment.search`): its state, objective, best and trials. */
export type Search = Schemas["SearchOut"];
/** One trial of a search: its run, Optuna's state (RUNNING, COMPLETE, PRUNED, FAIL, WAITING), value, params. */
export type Trial = Schemas["TrialOut"];
/** One hyperparameter of a search's space (`spec.search.space`): a range or choices. */
export type SearchParam = Schemas["SearchParam"];
export type FileOut = Schemas["FileOut"];
export type Graph = Schemas["GraphOut"];
export type Job = Schemas["JobOut"];
/** An attempt of a job that ended without finishing it, and what followed (`Job.attempts`). */
export type Attempt = Schemas["AttemptOut"];
export type Kernel = Schemas["KernelOut"];
export type Model = Schemas["ModelOut"];
export type ModelPage = Schemas["ModelPage"];
/** `GET /queue`: each executor's load, the projects' rules and the active jobs in the scheduler's order. */
export type QueueView = Schemas["QueueOut"];
export type QueueJob = Schemas["QueueJobOut"];
export type ExecutorLoad = Schemas["ExecutorLoadOut"];
export type Capacity = Schemas["CapacityOut"];
export type ProjectRules = Schemas["ProjectRulesOut"];
export type Validation = Schemas["ValidationOut"];
/** `GET /project`: the caller's project and role (admins manage tokens). */
export type Project = Schemas["ProjectOut"];
/** One API token as `GET /tokens` lists it (never its secret). */
export type Token = Schemas["TokenInfoOut"];
/** `POST /tokens`: the secret is in this answer only. */
export type TokenCreated = Schemas["TokenCreatedOut"];
/** `POST /models` (and retrain, train further); an experiment's `base`. */
export type TrainRequest = Schemas["TrainRequest"];

// What the OpenAPI document cannot say follows by hand.

/** A job's statuses (SPEC section 4); the API sends them as plain strings. */
/** `pruned`: stopped early by its experiment's search, clearly worse than other trials (graphs kept). */
export type JobStatus = "waiting" | "training" | "done" | "failed" | "stopped" | "pruned";

/** All of them, in the order the lists offer them. */
export const JOB_STATUSES: readonly JobStatus[] = ["waiting", "training", "done", "failed", "stopped", "pruned"];

/** A kernel's hyperparameter schema (`Kernel.schema_`, which the API types as any object). */
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

/** One `job` event of `GET /events`, a server-sent stream (Platform's event in server/platform.py). */
export interface JobEvent {
  type: "job";
  id: string;
  operation: string;
  status: JobStatus;
  percentage: number | null;
  step: number | null;
  message: string | null;
  exit_code: number | null;
  /** 1, then 2 after its first restart or resume, ... (absent from an older platform's events). */
  attempt?: number;
  started_at: string | null;
  finished_at: string | null;
}

export const isActive = (status: string | undefined): boolean => status === "waiting" || status === "training";

/** A job's fields updated from a live event. */
export function applyEvent(job: Job, event: JobEvent): Job {
  return {
    ...job,
    status: event.status,
    percentage: event.percentage,
    step: event.step,
    message: event.message,
    exit_code: event.exit_code,
    attempt: event.attempt ?? job.attempt,
    started_at: event.started_at,
    finished_at: event.finished_at,
  };
}
