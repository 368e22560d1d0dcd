from fastapi import APIRouter

from vlad.server.deps import NewJobsDep, PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.requests import ExperimentRequest, ExperimentUpdate
from vlad.server.schemas.responses import ExperimentOut
from vlad.server.services import experiments, queue, search
from vlad.server.services.presenters import experiment_out

router = APIRouter(prefix="/experiments", tags=["experiments"])


@router.post("", status_code=201)
def create(
    body: ExperimentRequest, session: SessionDep, project: ProjectDep, jobs: NewJobsDep, platform: PlatformDep
) -> ExperimentOut:
    """Submit many runs at once; all are checked before any is created. A search's space is
    checked against the kernel's schema here; its runs come one trial at a time."""
    experiment, runs = experiments.start(session, project, body, jobs)
    if experiment.search_state:
        platform.searcher.wake()
        return experiment_out(session, experiment, runs, with_runs=True, trials=[])
    return experiment_out(session, experiment, runs, with_runs=True)


@router.get("")
def list_experiments(session: SessionDep, project: ProjectDep) -> list[ExperimentOut]:
    return [
        experiment_out(session, experiment, runs, with_runs=False)
        for experiment, runs in experiments.list_with_runs(session, project)
    ]


@router.get("/{experiment_id}")
def show(
    experiment_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep
) -> ExperimentOut:
    """The runs side by side, with their status and final metrics; a search's trials too (the
    objective's rows reported to each, the best so far)."""
    experiment, runs = experiments.show(session, project, experiment_id)
    trials = search.trials(platform.searcher.storage, experiment.id) if experiment.search_state else None
    return experiment_out(session, experiment, runs, with_runs=True, trials=trials)


@router.patch("/{experiment_id}")
def update(
    experiment_id: str,
    body: ExperimentUpdate,
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
) -> ExperimentOut:
    """Change how many of its runs may run at once; the scheduler follows at once."""
    queue.set_max_parallel(session, project, experiment_id, body.max_parallel)
    session.commit()
    platform.scheduler.wake()
    experiment, runs = experiments.show(session, project, experiment_id)
    return experiment_out(session, experiment, runs, with_runs=False)


@router.delete("/{experiment_id}", status_code=204)
def delete(experiment_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    experiments.delete(session, project, experiment_id, platform.stop_job)
    platform.searcher.forget(experiment_id)  # a search's study goes with it
