"""Checking `model.json` against a kernel's JSON Schema, with errors a person can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError


@dataclass(frozen=True)
class SchemaViolation:
    """One way a `model.json` breaks its schema."""

    path: str  # JSON path of the offending value, e.g. "$.learning_rate"
    problem: str  # what was wrong
    allowed: str  # what the schema accepts there

    def __str__(self) -> str:
        return f"{self.path}: {self.problem} (allowed: {self.allowed})"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "problem": self.problem, "allowed": self.allowed}


def _json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _allowed(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    keyword, value = error.validator, error.validator_value
    if keyword == "required":
        missing = next((name for name in value if name not in (error.instance or {})), None)
        sub = schema.get("properties", {}).get(missing, {})
        return _describe(sub) if sub else "a value must be given"
    if keyword == "additionalProperties":
        return "only " + ", ".join(sorted(schema.get("properties", {}))) or "no extra fields"
    return _describe(schema)


def _describe(schema: dict[str, Any]) -> str:
    bits = []
    if "enum" in schema:
        bits.append("one of " + ", ".join(repr(v) for v in schema["enum"]))
    if "const" in schema:
        bits.append(f"exactly {schema['const']!r}")
    if "type" in schema:
        kind = schema["type"]
        bits.append(" or ".join(kind) if isinstance(kind, list) else str(kind))
    for key, word in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
        ("minLength", "length >="),
        ("maxLength", "length <="),
        ("minItems", "items >="),
        ("maxItems", "items <="),
        ("pattern", "matching"),
    ):
        if key in schema:
            bits.append(f"{word} {schema[key]}")
    return ", ".join(bits) or "see the schema"


def _problem(error: ValidationError) -> str:
    if error.validator == "required":
        missing = next((n for n in error.validator_value if n not in (error.instance or {})), "?")
        return f"required field {missing!r} is missing"
    return f"{error.instance!r} is not valid: {error.message}"


def check_hyperparameters(values: Any, schema: dict[str, Any]) -> list[SchemaViolation]:
    """Every way `values` breaks `schema`, sorted by path; an empty list when it is valid."""
    validator = Draft202012Validator(schema)
    found = []
    for error in validator.iter_errors(values):
        parts = list(error.absolute_path)
        if error.validator == "required":
            missing = next((n for n in error.validator_value if n not in (error.instance or {})), None)
            if missing is not None:
                parts.append(missing)
        found.append(SchemaViolation(_json_path(parts), _problem(error), _allowed(error)))
    return sorted(found, key=lambda v: v.path)
