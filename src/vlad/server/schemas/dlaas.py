"""What the DLaaS routes answer (`services.dlaas` builds them from the rows)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

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
