"""Tables to API schemas."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from vlad.executors import Executor, JobState
from vlad.server.models import Dataset, Job, Kernel, Model, Validation
from vlad.server.schemas.responses import (
    DatasetOut,
    DatasetRef,
    JobOut,
    KernelOut,
    ModelOut,
    ValidationOut,
)
from vlad.server.services import validations as validation_service


def kernel_out(kernel: Kernel) -> KernelOut:
    m = kernel.manifest
    return KernelOut(
        id=kernel.id,
        name=kernel.name,
        version=kernel.version,
        description=m.get("description", ""),
        image=m.get("image"),
        training_types=m["training_types"],
        supported_gpu_count=m.get("supported_gpu_count", {"minimum": 1, "maximum": 1}),
        model_types=m["model_types"],
        schema_=m["schema"],
        path=kernel.path,
        executor=kernel.executor,
        created_at=aware(kernel.created_at),
    )


def dataset_out(dataset: Dataset) -> DatasetOut:
    out = DatasetOut.model_validate(dataset, from_attributes=True)
    out.created_at = aware(out.created_at)
    return out


def aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite drops the zone; it was UTC
        return moment.replace(tzinfo=UTC)
    return moment


def job_out(job: Job, executor: Executor | None = None) -> JobOut:
    started, finished = aware(job.started_at), aware(job.finished_at)
    elapsed = ((finished or datetime.now(UTC)) - started).total_seconds() if started else None
    position = None
    if executor is not None and job.status == "waiting":
        status = executor.status(job.id)
        position = status.queue_position if status.state is JobState.QUEUED else None
    return JobOut(
        status=job.status,
        percentage=job.percentage,
        step=job.step,
        message=job.message,
        exit_code=job.exit_code,
        gpu_count=job.gpu_count,
        executor=job.executor,
        queue_position=position,
        created_at=aware(job.created_at),
        started_at=started,
        finished_at=finished,
        elapsed_seconds=elapsed,
    )


def _dataset_refs(session: Session, job: Job | None) -> list[DatasetRef]:
    if job is None:
        return []
    refs = []
    for link in job.datasets:
        dataset = session.get(Dataset, link.dataset_id)
        refs.append(DatasetRef(id=link.dataset_id, name=dataset.name if dataset else "?", role=link.role))
    return refs


def model_out(session: Session, model: Model, executor: Executor | None = None) -> ModelOut:
    kernel = session.get(Kernel, model.kernel_id) if model.kernel_id else None
    return ModelOut(
        id=model.id,
        name=model.name,
        description=model.description,
        origin=model.origin,
        status=model.job.status if model.job else "done",
        kernel_id=model.kernel_id,
        kernel=f"{kernel.name}:{kernel.version}" if kernel else None,
        model_type=model.model_type,
        training_type=model.training_type,
        hyperparameters=model.hyperparameters,
        base_model_id=model.base_model_id,
        experiment_id=model.experiment_id,
        active=model.active,
        created_at=aware(model.created_at),
        job=job_out(model.job, executor) if model.job else None,
        datasets=_dataset_refs(session, model.job),
    )


def validation_out(
    session: Session,
    validation: Validation,
    with_results: bool = False,
    executor: Executor | None = None,
) -> ValidationOut:
    job = validation.job
    return ValidationOut(
        id=validation.id,
        model_id=validation.model_id,
        validation_type=validation.validation_type,
        kernel_id=job.kernel_id,
        status=job.status,
        created_at=aware(validation.created_at),
        job=job_out(job, executor),
        datasets=_dataset_refs(session, job),
        results=validation_service.results(validation) if with_results else None,
    )
