// What the scheduler is told about a job: its priority, the CPUs and memory it holds
// (empty: the kernel manifest's `resources`), and how often it is started again from its
// newest checkpoint when its kernel ends without finishing; about an experiment, how many of
// its runs may run at once. Checked here as the API checks them.
import type { MessageKey } from "../../i18n/en";

export interface Scheduling {
  priority: string;
  cpus: string;
  memoryGb: string;
  /** Automatic restarts, as typed. */
  maxRestarts: string;
  /** Restart after the kernel's own training_error too. */
  restartOnError: boolean;
}

export const defaultScheduling: Scheduling = { priority: "0", cpus: "", memoryGb: "", maxRestarts: "2", restartOnError: false };

export const PRIORITY_MIN = -100;
export const PRIORITY_MAX = 100;
export const MAX_RESTARTS_MAX = 20;

/** Each field's problem (a message key), if any. */
export function schedulingProblems(s: Scheduling): Partial<Record<keyof Scheduling, MessageKey>> {
  const found: Partial<Record<keyof Scheduling, MessageKey>> = {};
  const priority = Number(s.priority);
  if (s.priority.trim() === "" || !Number.isInteger(priority) || priority < PRIORITY_MIN || priority > PRIORITY_MAX)
    found.priority = "train.priorityInvalid";
  const positive = (text: string) => text.trim() === "" || (Number.isFinite(Number(text)) && Number(text) > 0);
  if (!positive(s.cpus)) found.cpus = "train.cpusInvalid";
  if (!positive(s.memoryGb)) found.memoryGb = "train.memoryInvalid";
  const restarts = Number(s.maxRestarts);
  if (s.maxRestarts.trim() === "" || !Number.isInteger(restarts) || restarts < 0 || restarts > MAX_RESTARTS_MAX)
    found.maxRestarts = "train.maxRestartsInvalid";
  return found;
}

/** The request's fields; CPUs and memory left out when empty (the kernel's then). */
export function schedulingRequest(s: Scheduling): {
  priority: number;
  cpus?: number;
  memory_gb?: number;
  max_restarts: number;
  restart_on_error: boolean;
} {
  return {
    priority: Number(s.priority),
    max_restarts: Number(s.maxRestarts),
    restart_on_error: s.restartOnError,
    ...(s.cpus.trim() ? { cpus: Number(s.cpus) } : {}),
    ...(s.memoryGb.trim() ? { memory_gb: Number(s.memoryGb) } : {}),
  };
}

/** Runs at once: "" is no cap (null); else a whole number of at least 1; undefined: neither. */
export function parseMaxParallel(text: string): number | null | undefined {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
