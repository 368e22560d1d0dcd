// Checking hyperparameters against a kernel's JSON Schema (draft 2020-12) in the browser,
// with the same wording as the platform: where, what was wrong, what is allowed.
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import type { FieldError } from "../api/client";
import type { JsonSchema } from "../api/types";
import { describe, schemaAt } from "./schemaText";

export { describe, schemaAt };

export interface SchemaProblem {
  pointer: string; // JSON pointer of the field: "/learning_rate"; "" for the whole object
  field: string; // the same, as people read it: "learning_rate"
  problem: string;
  allowed: string;
}

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction | null {
  let validate = compiled.get(schema);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch {
      return null; // the platform checked the schema when the kernel was registered
    }
    compiled.set(schema, validate);
  }
  return validate;
}

export const fieldOf = (pointer: string): string =>
  pointer
    .split("/")
    .slice(1)
    .map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
    .join(".");

function toProblem(error: ErrorObject, schema: JsonSchema, value: unknown): SchemaProblem {
  let pointer = error.instancePath;
  let problem = error.message ?? error.keyword;
  let allowed = "";
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    pointer = `${pointer}/${missing}`;
    problem = `required field '${missing}' is missing`;
    allowed = describe(schemaAt(schema, pointer)) || "a value must be given";
  } else if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    pointer = `${pointer}/${extra}`;
    problem = `'${extra}' is not a field of this schema`;
    allowed = "only " + Object.keys(schemaAt(schema, error.instancePath)?.properties ?? {}).join(", ");
  } else {
    const current = valueAt(value, pointer);
    problem = `${JSON.stringify(current)} ${error.message ?? "is not valid"}`;
    allowed = describe(schemaAt(schema, pointer));
  }
  return { pointer, field: fieldOf(pointer) || "(all)", problem, allowed };
}

function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const part of pointer.split("/").slice(1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** Every way `value` breaks `schema`; an empty list when it is valid. */
export function checkAgainstSchema(schema: JsonSchema, value: unknown): SchemaProblem[] {
  const validate = validatorFor(schema);
  if (!validate || validate(value)) return [];
  const seen = new Set<string>();
  return (validate.errors ?? [])
    .map((e) => toProblem(e, schema, value))
    .filter((p) => {
      const key = `${p.pointer}|${p.problem}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** The platform's 422 errors about hyperparameters, as problems at their fields. */
export function serverProblems(errors: FieldError[], prefix = "hyperparameters"): SchemaProblem[] {
  return errors
    .map((e) => ({ ...e, field: e.field.replace(/^base\./, "") }))
    .filter((e) => e.field === prefix || e.field.startsWith(prefix + ".") || e.field.startsWith(prefix + "["))
    .map((e) => {
      const path = e.path ?? "$" + e.field.slice(prefix.length);
      const pointer = path
        .replace(/^\$/, "")
        .replace(/\[(\d+)\]/g, ".$1")
        .split(".")
        .join("/");
      return { pointer, field: fieldOf(pointer) || "(all)", problem: e.problem, allowed: e.allowed ?? "" };
    });
}
