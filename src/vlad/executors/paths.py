"""The host paths a job's kernel uses: what a container or pod must see at the same paths."""

from __future__ import annotations

import json
from pathlib import Path

from vlad.executors.base import JobSpec


def _config(spec: JobSpec) -> dict:
    try:
        config = json.loads(spec.config_path.read_text())
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def job_paths(spec: JobSpec) -> list[Path]:
    """The job's folders (dataset, output, base model, extra files, temp) and its model.json,
    each to be seen at its own path so that vlad_training.json needs no rewriting."""
    paths = [*spec.mounts, spec.temp_path]
    hyperparameters = _config(spec).get("training_config_file")
    if hyperparameters:
        paths.append(Path(hyperparameters))
    unique: list[Path] = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique


def read_only_paths(spec: JobSpec) -> set[Path]:
    """Those of `job_paths` the kernel reads but must not change: its staged datasets (whose
    files are the registered datasets' own, shared by every job) and the base model."""
    config = _config(spec)
    return {Path(config[key]) for key in ("dataset_path", "base_model_path") if config.get(key)}
