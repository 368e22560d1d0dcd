"""Entry point: ``python -m image_classification``, run by the platform in the kernel folder.

The only module that knows the SDK: it adapts a `vlad.kernel.Job` to the plain-argument core.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from image_classification import train as training
from image_classification import validate as validation
from image_classification.data import require_split
from image_classification.errors import InputError
from vlad.kernel import Job, KernelError, run

MANIFEST = Path(__file__).resolve().parent.parent / "kernel.json"


@contextmanager
def shown_to_user() -> Iterator[None]:
    """Let the core's InputError messages reach the user word for word."""
    try:
        yield
    except InputError as exc:
        raise KernelError(str(exc)) from exc


def train(job: Job) -> None:
    val_dir = job.dataset_path / "val"
    with shown_to_user():
        training.fit(
            require_split(job.dataset_path, "train"),
            val_dir if val_dir.is_dir() else None,
            job.hyperparameters,
            job.model_write_path,
            base_model=job.base_model_path,
            on_step=lambda step, total: job.progress(step=step, total=total),
            on_epoch=lambda epoch, m: _log_epoch(job, epoch, m),
            checkpoint=job.checkpoint,
            resume=job.resume_checkpoint,
        )


def _log_epoch(job: Job, epoch: int, metrics: dict[str, float]) -> None:
    # One line per epoch in the job's log, for the person reading it.
    print(f"epoch {epoch}: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()), flush=True)
    job.log_metrics(
        "loss", epoch, x_name="epoch", **{k: v for k, v in metrics.items() if k.endswith("_loss")}
    )
    job.log_metrics(
        "accuracy",
        epoch,
        x_name="epoch",
        **{k: v for k, v in metrics.items() if k.endswith("_accuracy")},
    )


def validate(job: Job) -> None:
    # The platform passes the trained model's folder as base_model_path of a validation job.
    model_dir = job.base_model_path
    if model_dir is None:
        raise KernelError("A validation job needs the trained model: base_model_path is empty.")
    inference = job.validation_type == "inference"
    with shown_to_user():
        result = (validation.infer if inference else validation.evaluate)(
            model_dir,
            job.dataset_path,
            job.model_write_path,
            on_step=lambda step, total: job.progress(step=step, total=total),
        )
    if not inference:
        for name, x, values in validation.metric_rows(result):
            job.log_metrics(name, x, x_name="class_index", **values)


if __name__ == "__main__":
    run(train=train, validate=validate, manifest=MANIFEST)
