"""Experiments: many training runs submitted together (the "batch" of SPEC section 6)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.contract import check_hyperparameters
from vlad.server.models import Experiment, Model, Project
from vlad.server.schemas.requests import MAX_RUNS, ExperimentRequest, TrainRequest
from vlad.server.services import kernels as kernel_service
from vlad.server.services import search, training
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
    """Check every run first; create all of them or none. A search's runs come later, one
    trial at a time (server/searcher.py): here its space is checked and the experiment kept."""
    if request.search is not None:
        return _create_search(session, project, request, uploads_dir), []
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


def _create_search(
    session: Session, project: Project, request: ExperimentRequest, uploads_dir: Path
) -> Experiment:
    assert request.search is not None
    if request.runs or request.grid:
        raise Invalid(
            "a search samples its runs: it has no runs or grid",
            [field_error("search", "with runs or a grid", "search alone, or runs and/or a grid")],
        )
    search.distributions(request.search.space)  # each parameter makes a range, before any run is planned
    if request.search.sampler == "grid":
        search.check_grid(request.search.space)
    search.parse_metric(request.search.objective.metric)
    check_space(session, project, request, uploads_dir)
    experiment = Experiment(
        id=new_id("experiment"),
        project_id=project.id,
        name=request.name,
        description=request.description,
        spec=request.model_dump(mode="json"),  # the base run too: the searcher makes each trial's
        max_parallel=request.search.max_parallel or search.DEFAULT_PARALLEL,
        search_state="running",
    )
    session.add(experiment)
    session.flush()
    return experiment


def check_space(session: Session, project: Project, request: ExperimentRequest, uploads_dir: Path) -> None:
    """Every set the space can give satisfies the kernel's schema (its ends checked, each
    with the base run): Invalid naming the field otherwise, before anything runs."""
    assert request.search is not None
    space = request.search.space
    # The base run as it is (its model type's defaults complete it) names the kernel.
    base = training.plan(
        session, project, _trial_request(request.base, {}, request.name, 0), uploads_dir=uploads_dir
    )
    schema = kernel_service.manifest_of(base.kernel).schema_
    known = schema.get("properties", {})
    unknown = [field for field in space if field not in known]
    if unknown:
        raise Invalid(
            f"search.space names {unknown}, which kernel {base.kernel.name}'s schema does not have",
            [field_error(f"search.space.{f}", "unknown field", f"one of {sorted(known)}") for f in unknown],
        )
    sets = [(f"search.first.{i}", first) for i, first in enumerate(request.search.first)]
    sets += [(f"search.space.{name}", overrides) for name, overrides in search.corners(space)]
    for where, overrides in sets:
        outside = sorted(set(overrides) - set(space))
        if outside:
            raise Invalid(
                f"{where} sets {outside}, which are not in search.space",
                [field_error(where, "outside the space", f"fields of {sorted(space)}")],
            )
        field = where.rsplit(".", 1)[1]
        shown = repr(overrides.get(field, overrides))
        try:
            if isinstance(overrides.get("model_type"), str):  # another model type: its own defaults
                training.plan(
                    session,
                    project,
                    _trial_request(request.base, overrides, request.name, 0),
                    uploads_dir=uploads_dir,
                )
            else:
                problems = check_hyperparameters({**base.hyperparameters, **overrides}, schema)
                if problems:
                    raise Invalid("; ".join(str(p) for p in problems[:5]))
        except Invalid as exc:
            raise Invalid(
                f"{where} = {shown}: {exc.message}", [field_error(where, shown, exc.message)]
            ) from exc


def _trial_request(base: TrainRequest, overrides: dict[str, Any], name: str, trial: int) -> TrainRequest:
    """A trial's run: the base with the trial's values; a `model_type` among them picks the
    model type too (its defaults under the others)."""
    update: dict[str, Any] = {
        "hyperparameters": {**(base.hyperparameters or {}), **overrides},
        "name": f"{name}-{trial:03d}",
    }
    if isinstance(overrides.get("model_type"), str):
        update["model_type"] = overrides["model_type"]
    return base.model_copy(update=update)


def create_trial_run(
    session: Session,
    experiment: Experiment,
    trial: int,
    params: dict[str, Any],
    jobs_dir: Path,
    executor: str,
    uploads_dir: Path,
) -> Model:
    """The run of a search's trial (not committed)."""
    project = session.get(Project, experiment.project_id)
    assert project is not None
    base = TrainRequest.model_validate(experiment.spec["base"])
    planned = training.plan(
        session, project, _trial_request(base, params, experiment.name, trial), uploads_dir=uploads_dir
    )
    model = training.create(
        session,
        project,
        planned,
        origin="train",
        jobs_dir=jobs_dir,
        executor=executor,
        experiment_id=experiment.id,
    )
    model.trial = trial
    return model


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
