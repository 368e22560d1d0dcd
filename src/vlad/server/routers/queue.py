"""The scheduler's queue: what runs where, what waits and why; a waiting job's priority."""

from fastapi import APIRouter

from vlad.server.deps import CallerDep, PlatformDep, SessionDep
from vlad.server.schemas.requests import JobUpdate
from vlad.server.schemas.responses import JobOut, QueueOut
from vlad.server.services import queue
from vlad.server.services.presenters import job_out

router = APIRouter(tags=["queue"])


@router.get("/queue")
def show(session: SessionDep, caller: CallerDep, platform: PlatformDep) -> QueueOut:
    """Every active job of the caller's project (every project's for an admin token) in the
    scheduler's order, with why each waiting one waits, and each executor's load."""
    return queue.view(session, caller, platform.executors.__getitem__, platform.settings.executor)


@router.patch("/jobs/{job_id}")
def update_job(
    job_id: str, body: JobUpdate, session: SessionDep, caller: CallerDep, platform: PlatformDep
) -> JobOut:
    """Change a waiting job's priority (above 0: admin tokens only)."""
    job = queue.set_priority(session, caller, job_id, body.priority)
    session.commit()
    platform.scheduler.wake()
    return job_out(job)
