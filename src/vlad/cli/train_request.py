"""A training request as `vlad models train|retrain|continue` and `vlad experiments create` send it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlad.cli import output
from vlad.cli.client import CliError
from vlad.cli.options import hyperparameters


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
