"""What the API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str
    errors: list[dict[str, Any]] = []


class KernelCheckItem(BaseModel):
    """One rule's verdict; an `advice` check never fails the kernel, whatever `ok` says."""

    name: str
    ok: bool
    detail: str
    advice: bool = False


class KernelCheckOut(BaseModel):
    """The check run when the kernel was registered with ?check=true."""

    status: Literal["running", "passed", "failed"]
    checks: list[KernelCheckItem] = []
    finished_at: datetime | None = None


class KernelOut(BaseModel):
    id: str
    name: str
    version: str
    description: str
    image: str | None
    training_types: list[str]
    supported_gpu_count: dict[str, int]
    model_types: dict[str, dict[str, Any]]
    schema_: dict[str, Any]
    path: str | None
    executor: str | None
    created_at: datetime
    check: KernelCheckOut | None = None


class DatasetOut(BaseModel):
    id: str
    name: str
    description: str
    training_type: str
    location: str
    file_count: int
    size_bytes: int
    created_at: datetime


class AttemptOut(BaseModel):
    """An attempt of a job that ended without finishing it, and what followed."""

    attempt: int
    started_at: datetime | None
    ended_at: datetime
    exit_code: int | None
    reason: str
    step: int | None = Field(default=None, description="Its last step reported")
    percentage: float | None = None
    log_tail: str = Field(default="", description="The last lines of its log")
    then: str = Field(
        description="restarted (automatically) | preempted (for a higher priority) | resumed (by a person)"
    )


class JobOut(BaseModel):
    status: str
    percentage: float | None
    step: int | None
    message: str | None
    exit_code: int | None
    gpu_count: int
    cpus: float = 1.0
    memory_gb: float | None = None
    priority: int = 0
    executor: str
    queue_position: int | None = Field(
        default=None, description="While it waits for the scheduler: 1 = the next to start"
    )
    wait_reason: str | None = Field(default=None, description="Why it has not started yet, while it waits")
    created_at: datetime
    placed_at: datetime | None = Field(
        default=None, description="When the scheduler handed it to its executor"
    )
    started_at: datetime | None
    finished_at: datetime | None
    elapsed_seconds: float | None
    attempt: int = Field(default=1, description="1, then 2 after its first restart or resume, ...")
    max_restarts: int = 2
    restart_on_error: bool = False
    attempts: list[AttemptOut] = Field(
        default_factory=list, description="The attempts that ended before this one, oldest first"
    )


class DatasetRef(BaseModel):
    id: str
    name: str
    role: str


class ModelOut(BaseModel):
    id: str
    name: str
    description: str
    origin: str
    status: str
    kernel_id: str | None
    kernel: str | None
    model_type: str | None
    training_type: str
    hyperparameters: dict[str, Any]
    base_model_id: str | None
    experiment_id: str | None
    active: bool
    created_at: datetime
    job: JobOut | None
    datasets: list[DatasetRef]


class ModelPage(BaseModel):
    items: list[ModelOut]
    total: int
    offset: int
    limit: int


class ValidationOut(BaseModel):
    id: str
    model_id: str
    validation_type: str
    kernel_id: str | None
    status: str
    created_at: datetime
    job: JobOut
    datasets: list[DatasetRef]
    results: dict[str, Any] | None = None


class ExperimentRun(BaseModel):
    model: ModelOut
    final_metrics: dict[str, float]


class TrialOut(BaseModel):
    """One trial of a search: its run, Optuna's state, its objective and parameters."""

    number: int
    model_id: str | None = Field(description="Its run (a model of the experiment); null if never made")
    state: str = Field(description="RUNNING, COMPLETE, PRUNED or FAIL (Optuna's)")
    value: float | None = Field(description="Its objective once complete: the metric's last value")
    params: dict[str, Any]
    intermediate: list[tuple[int, float]] = Field(description="The objective's rows reported: (step, value)")


class SearchOut(BaseModel):
    state: str = Field(description="running (asking for trials, or some run) | done")
    metric: str
    mode: str
    sampler: str
    pruner: str
    max_trials: int
    best: TrialOut | None = Field(description="The best complete trial so far")
    trials: list[TrialOut]


class ExperimentOut(BaseModel):
    id: str
    name: str
    description: str
    spec: dict[str, Any]
    max_parallel: int | None = Field(default=None, description="Runs at once, at most; null: no cap")
    created_at: datetime
    status_counts: dict[str, int]
    runs: list[ExperimentRun] = []
    search: SearchOut | None = Field(default=None, description="A search's trials (one experiment's view)")


class GraphOut(BaseModel):
    """One graph's rows (from `offset` on when asked so); with `max_points`, perhaps thinned."""

    name: str
    x_name: str
    x: list[float]
    series: dict[str, list[float | None]]
    offset: int  # the byte offset of the end of the rows read: pass it back to get only newer rows
    total_points: int  # the rows read, before any thinning
    downsampled: bool  # fewer points than `total_points` (each series' extremes kept)


class ProjectOut(BaseModel):
    """The caller's project, and the role of the caller's token in it."""

    id: str
    name: str
    created_at: datetime
    role: Literal["admin", "member"]


class ProjectSummaryOut(BaseModel):
    id: str
    name: str
    created_at: datetime


class ProjectCreatedOut(BaseModel):
    id: str
    name: str
    token: str  # the new project's first token, an admin one; shown once


class TokenInfoOut(BaseModel):
    """A token as listed: never its secret or hash."""

    id: str
    name: str
    role: Literal["admin", "member"]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreatedOut(BaseModel):
    id: str
    name: str
    role: Literal["admin", "member"]
    token: str  # shown once
    created_at: datetime
    expires_at: datetime | None


class FileOut(BaseModel):
    id: str
    filename: str
    size: int


class CapacityOut(BaseModel):
    """CPUs, memory (GB), GPUs and jobs; null: not counted on this executor."""

    cpus: float | None = None
    memory_gb: float | None = None
    gpus: int | None = None
    jobs: int | None = None


class ExecutorLoadOut(BaseModel):
    name: str
    where: str
    capacity: CapacityOut | None = Field(description="What it can run at once; null while unavailable")
    unavailable: str | None = Field(default=None, description="Why it cannot be used now")
    used: CapacityOut = Field(description="What the jobs handed to it hold (every project's)")
    waiting: int = Field(description="Jobs waiting for it (every project's)")


class ProjectRulesOut(BaseModel):
    """A project's place in the scheduler: its weight in the fair share and its quotas."""

    id: str
    name: str
    share: float
    quota_gpus: int | None
    quota_running: int | None


class QueueJobOut(BaseModel):
    id: str
    name: str
    project_id: str
    project: str
    operation: str
    experiment_id: str | None
    status: str
    state: Literal["preparing", "waiting", "starting", "running"]
    executor: str
    priority: int
    gpu_count: int
    cpus: float
    memory_gb: float | None
    percentage: float | None
    queue_position: int | None
    wait_reason: str | None
    created_at: datetime
    placed_at: datetime | None
    started_at: datetime | None


class QueueOut(BaseModel):
    """What runs where, what waits and why: the caller's project's jobs (every project's for
    an admin), in the scheduler's order, and each executor's load."""

    executors: list[ExecutorLoadOut]
    projects: list[ProjectRulesOut]
    jobs: list[QueueJobOut]
