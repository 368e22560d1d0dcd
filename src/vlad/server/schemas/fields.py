"""Bounded text for what clients send: names, descriptions, training types, references.

A refusal says which field, what was wrong and what is allowed: the `allowed` of each
problem is carried in the pydantic error's context, where the app's handler finds it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

SAFE_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")
# Tabs and line breaks are text in a description; every other control character is refused.
TEXT_CONTROLS = frozenset("\t\n\r")


def _bad_character(value: str, allowed_controls: frozenset[str]) -> str | None:
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if category == "Cs":
            return f"a lone surrogate (U+{ord(char):04X}) at position {index}"
        if category == "Cc" and char not in allowed_controls:
            return f"a control character (U+{ord(char):04X}) at position {index}"
    return None


def _refuse(problem: str, allowed: str) -> PydanticCustomError:
    return PydanticCustomError(
        "text", "{problem}; allowed: {allowed}", {"problem": problem, "allowed": allowed}
    )


def bounded(
    min_length: int,
    max_length: int,
    allowed: str,
    *,
    multiline: bool = False,
    token: bool = False,
) -> Any:
    """A `str` type of `min_length..max_length` characters without control characters
    (`multiline`: tabs and line breaks allowed; `token`: only `[A-Za-z0-9_.-]`)."""
    controls = TEXT_CONTROLS if multiline else frozenset()

    def check(value: str) -> str:
        if not min_length <= len(value) <= max_length:
            raise _refuse(f"{len(value)} characters long", allowed)
        if token and not SAFE_TOKEN.fullmatch(value):
            raise _refuse(f"has a character outside {SAFE_TOKEN.pattern}", allowed)
        bad = _bad_character(value, controls)
        if bad:
            raise _refuse(f"has {bad}", allowed)
        return value

    schema: dict[str, Any] = {"minLength": min_length, "maxLength": max_length}
    if token:
        schema["pattern"] = f"^{SAFE_TOKEN.pattern}$"
    return Annotated[str, AfterValidator(check), Field(json_schema_extra=schema)]


Name = bounded(1, 200, "1 to 200 characters on one line, no control characters")
Description = bounded(
    0, 10_000, "up to 10,000 characters; no control characters but tabs and line breaks", multiline=True
)
TrainingType = bounded(1, 100, "1 to 100 letters, digits, '_', '.' or '-' (e.g. classification)", token=True)
# An id, a name or name:version of something registered (a kernel, a dataset, a model type).
Ref = bounded(1, 200, "an id or a name: 1 to 200 characters on one line, no control characters")
# A filter of a listing: empty means no filter.
Filter = bounded(0, 200, "up to 200 characters on one line, no control characters")


def _non_finite(value: Any, path: str = "") -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return path or "the value"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _non_finite(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def _finite(value: Any) -> Any:
    where = _non_finite(value)
    if where:
        raise _refuse(f"{where} is NaN or infinite", "finite numbers: a kernel's model.json is plain JSON")
    return value


# JSON handed to kernels (hyperparameters): Python's parser reads NaN and 1e999, JSON has neither.
FiniteJson = AfterValidator(_finite)
