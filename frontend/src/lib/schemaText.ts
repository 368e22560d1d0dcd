// What a JSON Schema accepts, in words (kept apart from ajv, which only the train form needs).
import type { JsonSchema } from "../api/types";

/** The sub-schema describing the value at `pointer`, as far as `properties`/`items` lead. */
export function schemaAt(schema: JsonSchema, pointer: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const part of pointer.split("/").slice(1)) {
    if (!node) return undefined;
    node = node.properties?.[part] ?? (node.items as JsonSchema | undefined);
  }
  return node;
}

/** What a schema accepts, in a few words: "number, > 0, <= 10". */
export function describe(schema: JsonSchema | undefined): string {
  if (!schema) return "";
  const bits: string[] = [];
  if (schema.enum) bits.push("one of " + schema.enum.map((v) => JSON.stringify(v)).join(", "));
  if ("const" in schema) bits.push(`exactly ${JSON.stringify(schema.const)}`);
  if (schema.type) bits.push(Array.isArray(schema.type) ? schema.type.join(" or ") : schema.type);
  const words: [string, string][] = [
    ["minimum", ">="],
    ["exclusiveMinimum", ">"],
    ["maximum", "<="],
    ["exclusiveMaximum", "<"],
    ["minLength", "length >="],
    ["maxLength", "length <="],
    ["minItems", "items >="],
    ["maxItems", "items <="],
    ["pattern", "matching"],
  ];
  for (const [key, word] of words) if (key in schema) bits.push(`${word} ${String(schema[key])}`);
  return bits.join(", ");
}
