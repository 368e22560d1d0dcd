"""Rows to API schemas: what each table's row looks like in an answer.

Pure mapping: nothing here decides, writes or refuses. A waiting job's queue position is
asked of its executor only when `executors` is given (one job's page, not a list).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.executors import Executor, JobState
from vlad.server.models import ApiToken, Dataset, Experiment, Job, Kernel, Model, Project, Validation
from vlad.server.schemas.responses import (
    AttemptOut,
    DatasetOut,
    DatasetRef,
    ExperimentOut,
    ExperimentRun,
    JobOut,
    KernelCheckOut,
    KernelOut,
    ModelOut,
    ModelPage,
    ProjectCreatedOut,
    ProjectOut,
    ProjectSummaryOut,
    SearchOut,
    TokenCreatedOut,
    TokenInfoOut,
    TrialOut,
    ValidationOut,
)
from vlad.server.services import final_metrics
from vlad.server.services import validations as validation_service
from vlad.server.services.access import Caller
from vlad.server.services.search import TrialView

Executors = Mapping[str, Executor]


def aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite drops the zone; it was UTC
        return moment.replace(tzinfo=UTC)
    return moment


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
        check=KernelCheckOut.model_validate(kernel.check_report) if kernel.check_report else None,
    )


def dataset_out(dataset: Dataset) -> DatasetOut:
    out = DatasetOut.model_validate(dataset, from_attributes=True)
    out.created_at = aware(out.created_at)
    return out


def job_out(job: Job, executors: Executors | None = None) -> JobOut:
    """A job as the API shows it. Its queue position and reason are the scheduler's (from its
    row); once placed, an executor that holds it back a moment for GPU ids says where it is
    in that executor's own queue (asked only when `executors` is given: one job's page)."""
    started, finished = aware(job.started_at), aware(job.finished_at)
    elapsed = ((finished or datetime.now(UTC)) - started).total_seconds() if started else None
    waiting = job.status == "waiting"
    position = job.queue_position if waiting and job.placed_at is None else None
    reason = job.wait_reason if waiting and job.placed_at is None else None
    if executors is not None and waiting and job.placed_at is not None:
        status = executors[job.executor].status(job.id)
        if status.state is JobState.QUEUED:
            position, reason = status.queue_position, "handed to its executor, which waits for GPU ids"
    return JobOut(
        status=job.status,
        percentage=job.percentage,
        step=job.step,
        message=job.message,
        exit_code=job.exit_code,
        gpu_count=job.gpu_count,
        cpus=job.cpus,
        memory_gb=job.memory_gb,
        priority=job.priority,
        executor=job.executor,
        queue_position=position,
        wait_reason=reason,
        created_at=aware(job.created_at),
        placed_at=aware(job.placed_at),
        started_at=started,
        finished_at=finished,
        elapsed_seconds=elapsed,
        attempt=job.attempt or 1,
        max_restarts=job.max_restarts,
        restart_on_error=job.restart_on_error,
        attempts=[AttemptOut.model_validate(a) for a in job.attempts or []],
    )


def _dataset_refs(session: Session, job: Job | None) -> list[DatasetRef]:
    if job is None:
        return []
    refs = []
    for link in job.datasets:
        dataset = session.get(Dataset, link.dataset_id)
        refs.append(DatasetRef(id=link.dataset_id, name=dataset.name if dataset else "?", role=link.role))
    return refs


def model_out(session: Session, model: Model, executors: Executors | None = None) -> ModelOut:
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
        job=job_out(model.job, executors) if model.job else None,
        datasets=_dataset_refs(session, model.job),
    )


def model_page(session: Session, models: list[Model], total: int, offset: int, limit: int) -> ModelPage:
    return ModelPage(items=[model_out(session, m) for m in models], total=total, offset=offset, limit=limit)


def validation_out(
    session: Session,
    validation: Validation,
    with_results: bool = False,
    executors: Executors | None = None,
) -> ValidationOut:
    job = validation.job
    return ValidationOut(
        id=validation.id,
        model_id=validation.model_id,
        validation_type=validation.validation_type,
        kernel_id=job.kernel_id,
        status=job.status,
        created_at=aware(validation.created_at),
        job=job_out(job, executors),
        datasets=_dataset_refs(session, job),
        results=validation_service.results(validation) if with_results else None,
    )


def search_out(experiment: Experiment, runs: list[Model], trials: list[TrialView]) -> SearchOut:
    """A search's trials with their runs, and the best complete one so far."""
    spec = experiment.spec["search"]
    by_trial = {m.trial: m.id for m in runs if m.trial is not None}
    out = [
        TrialOut(
            number=t.number,
            model_id=by_trial.get(t.number),
            state=t.state,
            value=t.value,
            params=t.params,
            intermediate=t.intermediate,
        )
        for t in trials
    ]
    complete = [t for t in out if t.value is not None]
    maximize = spec["objective"].get("mode", "max") == "max"
    best = (max if maximize else min)(complete, key=lambda t: t.value or 0.0) if complete else None
    return SearchOut(
        state=experiment.search_state or "done",
        metric=spec["objective"]["metric"],
        mode=spec["objective"].get("mode", "max"),
        sampler=spec.get("sampler", "tpe"),
        pruner=spec.get("pruner", "asha"),
        max_trials=spec["max_trials"],
        best=best,
        trials=out,
    )


def experiment_out(
    session: Session,
    experiment: Experiment,
    runs: list[Model],
    with_runs: bool,
    trials: list[TrialView] | None = None,
) -> ExperimentOut:
    """The experiment with its runs' status counts; the runs themselves (each with its final
    metrics) only when `with_runs`; a search's trials when given."""
    counts = Counter(m.job.status if m.job else "done" for m in runs)
    return ExperimentOut(
        id=experiment.id,
        name=experiment.name,
        description=experiment.description,
        spec=experiment.spec,
        max_parallel=experiment.max_parallel,
        created_at=experiment.created_at,
        status_counts=dict(counts),
        runs=_runs_out(session, runs) if with_runs else [],
        search=search_out(experiment, runs, trials)
        if trials is not None and experiment.search_state
        else None,
    )


def _runs_out(session: Session, runs: list[Model]) -> list[ExperimentRun]:
    # The runs share a kernel and datasets: held here, they stay in the session's (weak)
    # identity map, so model_out finds them there instead of asking twice per run.
    kernel_ids = {m.kernel_id for m in runs if m.kernel_id}
    dataset_ids = {d.dataset_id for m in runs if m.job for d in m.job.datasets}
    held = [
        session.scalars(select(Kernel).where(Kernel.id.in_(kernel_ids))).all(),
        session.scalars(select(Dataset).where(Dataset.id.in_(dataset_ids))).all(),
    ]
    out = [ExperimentRun(model=model_out(session, m), final_metrics=final_metrics.for_model(m)) for m in runs]
    del held
    return out


def project_out(caller: Caller) -> ProjectOut:
    project = caller.project
    return ProjectOut(
        id=project.id,
        name=project.name,
        created_at=aware(project.created_at),  # type: ignore[arg-type]
        role=caller.role.value,
    )


def project_summary_out(project: Project) -> ProjectSummaryOut:
    return ProjectSummaryOut(id=project.id, name=project.name, created_at=aware(project.created_at))  # type: ignore[arg-type]


def token_info_out(row: ApiToken) -> TokenInfoOut:
    return TokenInfoOut(
        id=row.id,
        name=row.name,
        role=row.role,  # type: ignore[arg-type]
        created_at=aware(row.created_at),  # type: ignore[arg-type]
        expires_at=aware(row.expires_at),
        revoked_at=aware(row.revoked_at),
        last_used_at=aware(row.last_used_at),
    )


def token_created_out(row: ApiToken, secret: str) -> TokenCreatedOut:
    """A new token with its secret: the only answer that ever holds it."""
    info = token_info_out(row)
    return TokenCreatedOut(
        id=info.id,
        name=info.name,
        role=info.role,
        token=secret,
        created_at=info.created_at,
        expires_at=info.expires_at,
    )


def project_created_out(project: Project, secret: str) -> ProjectCreatedOut:
    """A new project with its first (admin) token's secret, shown this once."""
    return ProjectCreatedOut(id=project.id, name=project.name, token=secret)
