"""The host paths a job's kernel uses: what a container or pod must see at the same paths."""

from __future__ import annotations

import json
from pathlib import Path

from vlad.executors.base import JobSpec


def job_paths(spec: JobSpec) -> list[Path]:
    """The job's folders (dataset, output, base model, extra files, temp) and its model.json,
    each to be seen at its own path so that vlad_training.json needs no rewriting."""
    paths = [*spec.mounts, spec.temp_path]
    try:
        config = json.loads(spec.config_path.read_text())
    except (OSError, ValueError):
        config = {}
    hyperparameters = config.get("training_config_file") if isinstance(config, dict) else None
    if hyperparameters:
        paths.append(Path(hyperparameters))
    unique: list[Path] = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique
