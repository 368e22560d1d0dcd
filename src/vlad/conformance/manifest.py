"""The manifest rules (SPEC section 3), read from kernel.json itself so that each problem
is named by the rule it breaks rather than by the first validator that tripped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vlad.conformance.report import Check, verdict
from vlad.contract import KernelManifest, check_hyperparameters
from vlad.contract.manifest import MANIFEST_FILE


def manifest_checks(kernel_dir: Path) -> tuple[list[Check], KernelManifest | None]:
    """The manifest checks, and the manifest when the kernel can be run with it."""
    path = kernel_dir / MANIFEST_FILE
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return [verdict("manifest", [f"{path} does not exist"], "")], None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [verdict("manifest", [f"{path} is not readable JSON: {exc}"], "")], None
    if not isinstance(raw, dict):
        return [verdict("manifest", [f"{path} holds a {type(raw).__name__}, not an object"], "")], None
    general, gpu = _field_problems(raw, path)
    checks = [verdict("manifest", general, f"{path} is a valid manifest")]
    if general:
        return checks, None
    defaults = _default_problems(raw)
    checks.append(
        verdict("manifest.defaults", defaults, f"defaults of {sorted(raw['model_types'])} fit the schema")
    )
    gpu_range = raw.get("supported_gpu_count", {"minimum": 1, "maximum": 1})
    checks.append(verdict("manifest.gpu_count", gpu, f"supported_gpu_count {gpu_range}"))
    command = raw.get("command")
    checks.append(
        verdict(
            "manifest.command",
            [] if command else [f"{path} has no 'command': the check runs the kernel outside a container"],
            f"command {command}",
        )
    )
    if defaults or gpu or not command:
        return checks, None
    return checks, KernelManifest.model_validate(raw)


def _field_problems(raw: dict[str, Any], path: Path) -> tuple[list[str], list[str]]:
    """(problems of the manifest's fields, problems of supported_gpu_count). The defaults are
    left to `_default_problems`, which names every model type that breaks the schema, not
    only the first."""
    general, gpu = [], []
    try:
        KernelManifest.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(part) for part in error["loc"]) or "$"
            text = f"{path}: {loc}: {error['msg']}"
            if error["loc"][:1] == ("supported_gpu_count",):
                gpu.append(text)
            elif error["loc"] or "model_types." not in error["msg"]:
                general.append(text)
    return general, gpu


def _default_problems(raw: dict[str, Any]) -> list[str]:
    problems = []
    for name, defaults in raw["model_types"].items():
        for violation in check_hyperparameters(defaults, raw["schema"]):
            problems.append(f"model_types.{name}: {violation}")
        if isinstance(defaults, dict) and defaults.get("training_type") not in raw["training_types"]:
            problems.append(
                f"model_types.{name}: training_type {defaults.get('training_type')!r} is not one of "
                f"training_types {raw['training_types']}"
            )
    return problems
