from collections import Counter

from fastapi import APIRouter

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.models import Experiment
from vlad.server.schemas.requests import ExperimentRequest
from vlad.server.schemas.responses import ExperimentOut, ExperimentRun
from vlad.server.services import experiments, graphs
from vlad.server.services.views import model_out

router = APIRouter(prefix="/experiments", tags=["experiments"])


def _out(session, experiment: Experiment, with_runs: bool) -> ExperimentOut:  # type: ignore[no-untyped-def]
    runs = experiments.runs(session, experiment)
    counts = Counter(m.job.status if m.job else "done" for m in runs)
    return ExperimentOut(
        id=experiment.id,
        name=experiment.name,
        description=experiment.description,
        spec=experiment.spec,
        created_at=experiment.created_at,
        status_counts=dict(counts),
        runs=[
            ExperimentRun(model=model_out(session, m), final_metrics=graphs.final_metrics(m.model_path))
            for m in runs
        ]
        if with_runs
        else [],
    )


@router.post("", status_code=201)
def create(
    body: ExperimentRequest, session: SessionDep, project: ProjectDep, platform: PlatformDep
) -> ExperimentOut:
    """Submit many runs at once; all are checked before any is created."""
    experiment, models = experiments.create(
        session, project, body, platform.settings.jobs_dir, platform.settings.executor, platform.uploads_dir
    )
    session.commit()
    platform.launch([m.id for m in models], list(dict.fromkeys(body.base.extra_files)))
    return _out(session, experiment, with_runs=True)


@router.get("")
def list_experiments(session: SessionDep, project: ProjectDep) -> list[ExperimentOut]:
    return [_out(session, e, with_runs=False) for e in experiments.list_experiments(session, project)]


@router.get("/{experiment_id}")
def show(experiment_id: str, session: SessionDep, project: ProjectDep) -> ExperimentOut:
    """The runs side by side, with their status and final metrics."""
    return _out(session, experiments.get(session, project, experiment_id), with_runs=True)


@router.delete("/{experiment_id}", status_code=204)
def delete(experiment_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    experiment = experiments.get(session, project, experiment_id)
    stopped = [platform.stop_job(m.job.id) for m in experiments.runs(session, experiment) if m.job]
    if any(stopped):
        session.rollback()  # the stops were written by other sessions: read afresh, then delete
        experiment = experiments.get(session, project, experiment_id)
    for model in experiments.runs(session, experiment):
        if model.job is not None:
            session.delete(model.job)
        session.delete(model)
    session.delete(experiment)
