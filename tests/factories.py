"""Test data factories, in one place."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


def job_files(
    root: Path,
    broker_url: str,
    queue: str,
    *,
    operation: str = "training",
    hyperparameters: dict[str, Any] | None = None,
    dataset: Path | None = None,
    validation_type: str | None = None,
    **overrides: Any,
) -> tuple[Path, dict[str, Any]]:
    """Write a job's vlad_training.json and model.json under `root`; return the config path."""
    url = urlparse(broker_url)
    root.mkdir(parents=True, exist_ok=True)
    dataset = dataset or root / "dataset"
    dataset.mkdir(parents=True, exist_ok=True)
    job_id = uuid.uuid4().hex[:12]
    model_json = root / "model.json"
    model_json.write_text(json.dumps(hyperparameters or {"training_type": "classification", "steps": 5}))
    config: dict[str, Any] = {
        "vlad_training_config_version": "1.0",
        "operation": operation,
        "dataset_path": str(dataset),
        "temp_path": str(root / "temp"),
        "model_write_path": str(root / "output"),
        "message_host": url.hostname,
        "message_port": url.port or 5672,
        "message_id": url.username or "guest",
        "message_pw": url.password or "guest",
        "queue_name": queue,
        "training_config_file": str(model_json),
        "project_key": "pk-" + uuid.uuid4().hex,
    }
    if operation == "training":
        config["model_id"] = "m-" + job_id
    else:
        config["validation_id"] = "v-" + job_id
        config["validation_type"] = validation_type or "validation"
    config.update(overrides)
    path = root / "vlad_training.json"
    path.write_text(json.dumps(config))
    return path, config


def start_kernel(kernel_dir: Path, config_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start a kernel folder's `python ...` command as the local executor would."""
    manifest = json.loads((kernel_dir / "kernel.json").read_text())
    argv = [sys.executable, *manifest["command"][1:], *args]
    return subprocess.Popen(
        argv,
        cwd=kernel_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "VLAD_TRAINING_CONFIG": str(config_path)},
    )


# Rows, for services tested directly on a real database (no HTTP, no broker).


def project_row(session: Any, name: str | None = None) -> Any:
    from vlad.server.models import Project

    project = Project(
        id=f"project-{uuid.uuid4().hex[:8]}", name=name or uuid.uuid4().hex[:8], project_key="key"
    )
    session.add(project)
    session.flush()
    return project


def model_row(
    session: Any,
    project: Any,
    *,
    name: str = "model",
    status: str | None = "done",
    training_type: str = "classification",
    **fields: Any,
) -> Any:
    """A model and, unless `status` is None (an imported model), its training job in `status`."""
    from vlad.server.models import Job, Model

    model_id = f"model-{uuid.uuid4().hex[:8]}"
    job = None
    if status is not None:
        job = Job(
            id=model_id,
            project_id=project.id,
            operation="training",
            executor="local",
            status=status,
            job_dir=f"/nonexistent/jobs/{model_id}",
        )
        session.add(job)
        session.flush()
    model = Model(
        id=model_id,
        project_id=project.id,
        name=name,
        origin="import" if job is None else "train",
        job_id=job.id if job else None,
        training_type=training_type,
        hyperparameters={"training_type": training_type},
        model_path=f"/nonexistent/models/{model_id}",
        **fields,
    )
    session.add(model)
    session.flush()
    return model
