"""Experiments: many training runs submitted together (the "batch" of SPEC section 6)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.server.models import Experiment, Model, Project
from vlad.server.schemas.requests import MAX_RUNS, ExperimentRequest
from vlad.server.services import training
from vlad.server.services.errors import Invalid, NotFound, field_error
from vlad.server.services.ids import new_id
from vlad.server.services.launch import NewJobs, StopJob, start_jobs, stop_and_delete
from vlad.server.services.scheduling import check_priority

COUNT_CAP = 10**15


def run_count(request: ExperimentRequest) -> int:
    """How many runs `request` makes (listed runs plus grid combinations), without expanding it."""
    count = 1 if request.grid else 0
    for values in request.grid.values():
        count *= len(values)
        if count > COUNT_CAP:  # refused anyway; thousands of keys would make a huge number
            break
    return len(request.runs) + count


def expand(request: ExperimentRequest) -> list[dict[str, Any]]:
    """The hyperparameter overrides of every run: the listed ones, then the grid's combinations.

    The size is checked before anything is expanded: a few hundred bytes of grid can name
    millions of combinations.
    """
    if request.grid:
        empty = [k for k, v in request.grid.items() if not v]
        if empty:
            raise Invalid(
                f"grid fields {empty} have no values",
                [field_error(f"grid.{k}", "empty list", "one or more values") for k in empty],
            )
    count = run_count(request)
    if count > MAX_RUNS:
        sizes = " x ".join(str(len(v)) for v in list(request.grid.values())[:20]) or "0"
        many = f"more than {COUNT_CAP}" if count > COUNT_CAP else str(count)
        raise Invalid(
            f"an experiment may have at most {MAX_RUNS} runs; this one has {many} "
            f"({len(request.runs)} listed + a grid of {sizes}{' x ...' if len(request.grid) > 20 else ''})",
            [field_error("grid", f"{many} runs", f"at most {MAX_RUNS} runs, listed and grid together")],
        )
    if not count:
        raise Invalid(
            "an experiment needs runs or a grid",
            [field_error("runs", "empty", "a list of hyperparameter sets, or a grid")],
        )
    runs = [dict(r) for r in request.runs]
    keys = list(request.grid)
    if keys:
        runs += [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*request.grid.values())]
    return runs


def create(
    session: Session,
    project: Project,
    request: ExperimentRequest,
    jobs_dir: Path,
    executor: str,
    uploads_dir: Path,
) -> tuple[Experiment, list[Model]]:
    """Check every run first; create all of them or none."""
    planned = []
    for index, overrides in enumerate(expand(request), start=1):
        run_request = request.base.model_copy(
            update={
                "hyperparameters": {**(request.base.hyperparameters or {}), **overrides},
                "name": f"{request.name}-{index:03d}",
            }
        )
        try:
            planned.append(training.plan(session, project, run_request, uploads_dir=uploads_dir))
        except Invalid as exc:
            raise Invalid(
                f"run {index} ({overrides}): {exc.message}",
                [{**d, "run": index} for d in exc.details],
            ) from exc
    experiment = Experiment(
        id=new_id("experiment"),
        project_id=project.id,
        name=request.name,
        description=request.description,
        spec=request.model_dump(mode="json", exclude={"base"}),
        max_parallel=request.max_parallel,
    )
    session.add(experiment)
    session.flush()
    models = [
        training.create(
            session,
            project,
            run,
            origin="train",
            jobs_dir=jobs_dir,
            executor=executor,
            experiment_id=experiment.id,
        )
        for run in planned
    ]
    return experiment, models


def start(
    session: Session, project: Project, request: ExperimentRequest, jobs: NewJobs
) -> tuple[Experiment, list[Model]]:
    """Check every run, create them all, commit, then launch them; the experiment and its runs."""
    check_priority(request.base.priority, jobs.admin)
    experiment, models = create(session, project, request, jobs.jobs_dir, jobs.executor, jobs.uploads_dir)
    start_jobs(session, jobs.launch, [m.id for m in models], list(dict.fromkeys(request.base.extra_files)))
    return experiment, runs(session, experiment)


def show(session: Session, project: Project, experiment_id: str) -> tuple[Experiment, list[Model]]:
    experiment = get(session, project, experiment_id)
    return experiment, runs(session, experiment)


def list_with_runs(session: Session, project: Project) -> list[tuple[Experiment, list[Model]]]:
    """The project's experiments, newest first, each with its runs."""
    return [(e, runs(session, e)) for e in list_experiments(session, project)]


def delete(session: Session, project: Project, experiment_id: str, stop: StopJob) -> None:
    """Forget the experiment and every run (model and job), stopping the runs that still run."""
    experiment = get(session, project, experiment_id)

    def delete_rows() -> None:
        fresh = get(session, project, experiment_id)
        for model in runs(session, fresh):
            if model.job is not None:
                session.delete(model.job)
            session.delete(model)
        session.delete(fresh)

    stop_and_delete(session, stop, [m.job.id for m in runs(session, experiment) if m.job], delete_rows)


def get(session: Session, project: Project, experiment_id: str) -> Experiment:
    experiment = session.get(Experiment, experiment_id)
    if experiment is None or experiment.project_id != project.id:
        raise NotFound(f"no experiment {experiment_id!r} in this project")
    return experiment


def runs(session: Session, experiment: Experiment) -> list[Model]:
    return list(
        session.scalars(select(Model).where(Model.experiment_id == experiment.id).order_by(Model.name))
    )


def list_experiments(session: Session, project: Project) -> list[Experiment]:
    return list(
        session.scalars(
            select(Experiment)
            .where(Experiment.project_id == project.id)
            .order_by(Experiment.created_at.desc())
        )
    )
