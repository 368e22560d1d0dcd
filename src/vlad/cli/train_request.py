"""A training request as `vlad models train|retrain|continue` and `vlad experiments create` send it,
and the scheduler's options of every job submitted (validations' too)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from vlad.cli import output
from vlad.cli.client import CliError
from vlad.cli.options import hyperparameters

# No bounds here: the API states them (-100..100; above 0 for admins) in its refusal.
PriorityOpt = Annotated[
    int,
    typer.Option(
        help="The scheduler's priority, -100..100, higher first; above 0 needs an admin token.",
    ),
]
CpusOpt = Annotated[
    float | None, typer.Option(help="CPUs the job needs (default: the kernel's resources.cpus, or 1).")
]
MaxRestartsOpt = Annotated[
    int | None,
    typer.Option(
        help="Times the job starts again from its newest checkpoint when its kernel ends without "
        "training_done or training_error (killed, its node lost); default 2.",
    ),
]
RestartOnErrorOpt = Annotated[
    bool,
    typer.Option(help="Restart it after the kernel's own training_error too (default: that is final)."),
]
MemoryOpt = Annotated[
    float | None, typer.Option("--memory-gb", help="Memory the job needs in GB (default: the kernel's).")
]


def job_resources(priority: int, cpus: float | None, memory_gb: float | None) -> dict[str, Any]:
    """The scheduler's part of a TrainRequest or ValidateRequest; unset ones left to the kernel."""
    return {
        "priority": priority,
        **({"cpus": cpus} if cpus is not None else {}),
        **({"memory_gb": memory_gb} if memory_gb is not None else {}),
    }


def train_body(
    api: Any,
    *,
    datasets: list[str] | None,
    val_datasets: list[str] | None,
    kernel: str | None,
    model_type: str | None,
    name: str | None,
    description: str,
    settings: list[str] | None,
    hyperparameters_file: Path | None,
    gpus: int | None,
    extra_files: list[Path] | None,
    priority: int = 0,
    cpus: float | None = None,
    memory_gb: float | None = None,
    max_restarts: int | None = None,
    restart_on_error: bool = False,
) -> dict[str, Any]:
    """A TrainRequest body; extra files are uploaded first, since the request names their ids."""
    return {
        "name": name,
        "description": description,
        "kernel": kernel,
        "model_type": model_type,
        "training_datasets": datasets or [],
        "validation_datasets": val_datasets or [],
        "hyperparameters": hyperparameters(hyperparameters_file, settings),
        "extra_files": [api.upload_file(p) for p in extra_files or []],
        "gpu_count": gpus,
        **job_resources(priority, cpus, memory_gb),
        **({"max_restarts": max_restarts} if max_restarts is not None else {}),
        **({"restart_on_error": True} if restart_on_error else {}),
    }


def post_training(
    api: Any, path: str, body: dict[str, Any], request: dict[str, Any], base_model: str | None = None
) -> Any:
    """POST a training request (`request` is its TrainRequest part); a refused
    hyperparameter comes back with the kernel's schema beside it, to help fix it."""
    try:
        return api.post(path, body)
    except CliError as exc:
        if any("hyperparameters" in problem for problem in exc.problems):
            exc.extra = _schema(api, request, base_model)
        raise


def _schema(api: Any, request: dict[str, Any], base_model: str | None) -> Any:
    try:
        kernel = request.get("kernel")
        if not kernel and base_model:
            kernel = api.get(f"/models/{base_model}")["kernel_id"]
        if not kernel and request.get("training_datasets"):
            dataset = api.get(f"/datasets/{request['training_datasets'][0]}")
            found = api.get("/kernels/proposal", training_type=dataset["training_type"])
        else:
            found = api.get(f"/kernels/{kernel}") if kernel else None
    except CliError:
        return None  # only a help: the refusal itself is what must be shown
    return output.schema_table(found["schema_"]) if found else None
