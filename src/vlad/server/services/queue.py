"""The scheduler's queue as people see and steer it: the queue view, a waiting job's
priority, a project's share and quotas, an experiment's max_parallel.

Who may do what: any token sees its own project's jobs and every executor's load; an
admin token sees every project's. Raising a job's priority above 0 is for admins (it
overrides the fair share between projects); members may lower their own jobs' priority
(to let other work go first), as `nice` lets users only lower theirs. Shares and quotas
are set by admins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.executors import Capacity, Executor
from vlad.server.models import Experiment, Job, Model, Project, Validation
from vlad.server.schemas.responses import (
    CapacityOut,
    ExecutorLoadOut,
    ProjectRulesOut,
    QueueJobOut,
    QueueOut,
)
from vlad.server.services.access import Caller
from vlad.server.services.errors import Conflict, Invalid, NotFound, field_error
from vlad.server.services.presenters import aware
from vlad.server.services.scheduling import check_priority, need_of, queue_job
from vlad.server.services.states import ACTIVE, JobStatus

ACTIVE_VALUES = [s.value for s in ACTIVE]


def set_priority(session: Session, caller: Caller, job_id: str, priority: int) -> Job:
    """Change the priority of a job of the caller's project that waits for the scheduler."""
    job = session.get(Job, job_id)
    if job is None or job.project_id != caller.project.id:
        raise NotFound(f"no job {job_id!r} in this project")
    check_priority(priority, caller.is_admin)
    if job.status != JobStatus.WAITING.value or job.placed_at is not None:
        state = job.status if job.placed_at is None else f"{job.status}, handed to executor {job.executor}"
        raise Conflict(
            f"job {job_id} is {state}; only a job waiting for the scheduler can change its priority"
        )
    job.priority = priority
    return job


def set_rules(session: Session, project_ref: str, changes: Mapping[str, object]) -> Project:
    """Set a project's share and quotas (admins; the router checks); `changes` holds only
    the fields sent."""
    project = session.get(Project, project_ref) or session.scalar(
        select(Project).where(Project.name == project_ref)
    )
    if project is None:
        raise NotFound(f"no project {project_ref!r} (give its id or name)")
    for name, value in changes.items():
        if name == "share" and value is None:
            raise Invalid("share cannot be null", [field_error("share", "null", "a number above 0")])
        setattr(project, name, value)
    return project


def set_max_parallel(
    session: Session, project: Project, experiment_id: str, max_parallel: int | None
) -> Experiment:
    experiment = session.get(Experiment, experiment_id)
    if experiment is None or experiment.project_id != project.id:
        raise NotFound(f"no experiment {experiment_id!r} in this project")
    experiment.max_parallel = max_parallel
    return experiment


def rules_out(project: Project) -> ProjectRulesOut:
    return ProjectRulesOut(
        id=project.id,
        name=project.name,
        share=project.share,
        quota_gpus=project.quota_gpus,
        quota_running=project.quota_running,
    )


def view(
    session: Session, caller: Caller, executor: Callable[[str], Executor], default_executor: str
) -> QueueOut:
    """What runs where and what waits and why: the caller's project's jobs (every project's
    for an admin), and each executor's capacity and what all jobs on it hold."""
    rows = session.execute(
        select(Job, Project.name)
        .join(Project, Project.id == Job.project_id)
        .where(Job.status.in_(ACTIVE_VALUES))
        .order_by(Job.queue_position.is_(None), Job.queue_position, Job.created_at)
    ).all()
    names = _job_names(session, [job.id for job, _ in rows])
    executors = sorted({job.executor for job, _ in rows} | {default_executor})
    capacities: dict[str, Capacity | str] = {}
    for name in executors:
        try:
            capacities[name] = executor(name).capacity()
        except Exception as exc:  # noqa: BLE001 - an executor down is shown, not an error
            capacities[name] = str(exc) or type(exc).__name__
    loads = []
    for name in executors:
        capacity = capacities[name]
        held = [job for job, _ in rows if job.executor == name and job.placed_at is not None]
        used = CapacityOut(cpus=0.0, memory_gb=0.0, gpus=0, jobs=len(held))
        for job in held:
            cpus, memory, gpus = need_of(
                queue_job(job), capacity if isinstance(capacity, Capacity) else Capacity()
            )
            used.cpus = (used.cpus or 0.0) + cpus
            used.memory_gb = (used.memory_gb or 0.0) + memory
            used.gpus = (used.gpus or 0) + gpus
        loads.append(
            ExecutorLoadOut(
                name=name,
                where=capacity.where if isinstance(capacity, Capacity) else "",
                capacity=CapacityOut(
                    cpus=capacity.cpus, memory_gb=capacity.memory_gb, gpus=capacity.gpus, jobs=capacity.jobs
                )
                if isinstance(capacity, Capacity)
                else None,
                unavailable=capacity if isinstance(capacity, str) else None,
                used=used,
                waiting=sum(1 for job, _ in rows if job.executor == name and job.placed_at is None),
            )
        )
    visible = [
        (job, project) for job, project in rows if caller.is_admin or job.project_id == caller.project.id
    ]
    projects = session.scalars(
        select(Project).where(Project.id.in_({job.project_id for job, _ in visible} | {caller.project.id}))
    ).all()
    return QueueOut(
        executors=loads,
        projects=[rules_out(p) for p in sorted(projects, key=lambda p: p.name)],
        jobs=[_queue_job_out(job, project, names.get(job.id)) for job, project in visible],
    )


def _job_names(session: Session, job_ids: list[str]) -> dict[str, str]:
    """The name people know each job by: its model's name, or its model's for a validation."""
    names = dict(session.execute(select(Model.id, Model.name).where(Model.id.in_(job_ids))).all())
    for validation_id, model_name in session.execute(
        select(Validation.id, Model.name)
        .join(Model, Model.id == Validation.model_id)
        .where(Validation.id.in_(job_ids))
    ):
        names[validation_id] = f"{model_name} ({validation_id})"
    return names


def _queue_job_out(job: Job, project: str, name: str | None) -> QueueJobOut:
    if job.placed_at is not None:
        state = "running" if job.status == JobStatus.TRAINING.value else "starting"
    else:
        state = "waiting" if job.prepared_at is not None else "preparing"
    return QueueJobOut(
        id=job.id,
        name=name or job.id,
        project_id=job.project_id,
        project=project,
        operation=job.operation,
        experiment_id=job.experiment_id,
        status=job.status,
        state=state,
        executor=job.executor,
        priority=job.priority,
        gpu_count=job.gpu_count,
        cpus=job.cpus,
        memory_gb=job.memory_gb,
        percentage=job.percentage,
        queue_position=job.queue_position if job.placed_at is None else None,
        wait_reason=job.wait_reason if job.placed_at is None else None,
        created_at=aware(job.created_at),  # type: ignore[arg-type]
        placed_at=aware(job.placed_at),
        started_at=aware(job.started_at),
    )
