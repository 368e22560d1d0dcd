"""What the DLaaS routes answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from vlad.server.models import DlaasRun, Job, Model
from vlad.server.services.views import aware

API_PATH = "/api/v1/dlaas/models"


class DlaasSubmitted(BaseModel):
    model_id: str
    name: str
    status: str
    url: str
    gpu_count: int
    note: str | None = None  # e.g. that the program runs on the CPU


class DlaasSummary(BaseModel):
    number: int
    id: str
    name: str
    status: str
    submitted_at: datetime


class DlaasStore(BaseModel):
    endpoint_url: str
    bucket: str
    location: str  # s3://bucket[/model id/]


class DlaasResults(DlaasStore):
    status: str  # pending | uploading | uploaded | failed
    message: str | None
    uploaded_at: datetime | None


class DlaasModelOut(BaseModel):
    id: str
    url: str
    name: str
    description: str
    state: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    percentage: float | None
    step: int | None
    message: str | None
    exit_code: int | None
    framework: dict[str, str]
    author: dict[str, str] | None
    command: str
    resource: str
    gpu_count: int
    data: DlaasStore
    results: DlaasResults
    expires_at: datetime


def submitted_out(model: Model, job: Job) -> DlaasSubmitted:
    note = None
    if job.gpu_count == 0:
        resource = model.hyperparameters.get("resource")
        note = f"resource {resource} asks for GPUs; this platform has none, so the program runs on its CPU"
    return DlaasSubmitted(
        model_id=model.id,
        name=model.name,
        status=job.status,
        url=f"{API_PATH}/{model.id}",
        gpu_count=job.gpu_count,
        note=note,
    )


def summaries(rows: list[tuple[Model, Job, DlaasRun]]) -> list[DlaasSummary]:
    return [
        DlaasSummary(
            number=number, id=model.id, name=model.name, status=job.status, submitted_at=aware(job.created_at)
        )
        for number, (model, job, _run) in enumerate(rows, start=1)
    ]


def _store(reference: dict[str, Any], role: str, folder: str = "") -> DlaasStore:
    bucket = reference[role]["bucket"]
    return DlaasStore(
        endpoint_url=reference["connection"]["endpoint_url"],
        bucket=bucket,
        location=f"s3://{bucket}/{folder}" if folder else f"s3://{bucket}",
    )


def model_out(model: Model, job: Job, run: DlaasRun, retention_days: float) -> DlaasModelOut:
    definition = run.manifest["model_definition"]
    results = _store(run.manifest["training_results_reference"], "target", f"{model.id}/")
    submitted = aware(job.created_at)
    return DlaasModelOut(
        id=model.id,
        url=f"{API_PATH}/{model.id}",
        name=model.name,
        description=model.description,
        state=job.status,
        submitted_at=submitted,
        started_at=aware(job.started_at),
        finished_at=aware(job.finished_at),
        percentage=job.percentage,
        step=job.step,
        message=job.message,
        exit_code=job.exit_code,
        framework=definition["framework"],
        author=definition.get("author"),
        command=definition["execution"]["command"],
        resource=definition["execution"]["resource"],
        gpu_count=job.gpu_count,
        data=_store(run.manifest["training_data_reference"], "source"),
        results=DlaasResults(
            **results.model_dump(),
            status=run.results_status,
            message=run.results_message,
            uploaded_at=aware(run.results_at),
        ),
        expires_at=submitted + timedelta(days=retention_days),
    )
