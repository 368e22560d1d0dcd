// Batch training: several runs submitted as one experiment (a grid, or a list of runs).
import type { JsonSchema } from "../../api/types";
import type { MessageKey } from "../../i18n/en";
import { parseMaxParallel } from "./scheduling";
import { checkAgainstSchema } from "../../lib/schema";

export interface BatchState {
  enabled: boolean;
  name: string;
  mode: "grid" | "list";
  rows: { key: string; values: string }[];
  listText: string;
  /** Runs at once, at most, as typed; "": no cap. */
  maxParallel: string;
}

export const emptyBatch: BatchState = {
  enabled: false,
  name: "",
  mode: "grid",
  rows: [{ key: "learning_rate", values: "0.001, 0.003" }],
  listText: "[]",
  maxParallel: "",
};

/** "0.1, 3, adam, true" -> [0.1, 3, "adam", true] */
export function parseValues(text: string): unknown[] {
  return text
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => {
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    });
}

export type BatchProblem = "name" | "empty" | "list" | "maxParallel";

export const BATCH_PROBLEMS: Record<BatchProblem, MessageKey> = {
  name: "train.batchNeedsName",
  empty: "train.batchEmpty",
  list: "train.batchListInvalid",
  maxParallel: "train.batchMaxParallelInvalid",
};

export interface BatchPlan {
  body: { grid?: Record<string, unknown[]>; runs?: Record<string, unknown>[]; max_parallel?: number | null };
  runs: Record<string, unknown>[];
  problem: BatchProblem | null;
}

function problemOf(batch: BatchState, runs: unknown[]): BatchProblem | null {
  if (!runs.length) return "empty";
  if (!batch.name.trim()) return "name";
  return parseMaxParallel(batch.maxParallel) === undefined ? "maxParallel" : null;
}

function combinations(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let result: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    result = result.flatMap((run) => values.map((v) => ({ ...run, [key]: v })));
    if (result.length > 10_000) break;
  }
  return result;
}

export function planBatch(batch: BatchState): BatchPlan {
  if (batch.mode === "grid") {
    const grid: Record<string, unknown[]> = {};
    for (const row of batch.rows) {
      const values = parseValues(row.values);
      if (row.key.trim() && values.length) grid[row.key.trim()] = values;
    }
    const runs = Object.keys(grid).length ? combinations(grid) : [];
    return { body: { grid, max_parallel: parseMaxParallel(batch.maxParallel) ?? null }, runs, problem: problemOf(batch, runs) };
  }
  let runs: Record<string, unknown>[] = [];
  try {
    const value = JSON.parse(batch.listText);
    if (!Array.isArray(value) || value.some((r) => !r || typeof r !== "object" || Array.isArray(r))) throw new Error();
    runs = value;
  } catch {
    return { body: {}, runs: [], problem: "list" };
  }
  return { body: { runs, max_parallel: parseMaxParallel(batch.maxParallel) ?? null }, runs, problem: problemOf(batch, runs) };
}

/** The first schema problems of the runs, each merged over the base hyperparameters. */
export function batchProblems(schema: JsonSchema, base: Record<string, unknown>, runs: Record<string, unknown>[]): string[] {
  const found: string[] = [];
  runs.slice(0, 500).forEach((run, i) => {
    for (const p of checkAgainstSchema(schema, { ...base, ...run })) {
      if (found.length < 5) found.push(`run ${i + 1} (${JSON.stringify(run)}): ${p.field}: ${p.problem}`);
    }
  });
  return found;
}
