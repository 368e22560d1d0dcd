"""Training that survives: a job that ends without an outcome runs again, under the same id,
from its newest checkpoint (issue 13).

An attempt that ends without `training_done` or `training_error` (the process exited or was
killed, its node or executor lost) is recorded in the job's `attempts`, and the job goes
back to the queue as the next attempt: unprepared, so that `JobLauncher.prepare_job` writes
its `vlad_training.json` again with `resume_path` set to the newest checkpoint under
`<model_write_path>/save/checkpoints/<step>/`. At most `max_restarts` automatic restarts; a
kernel's own `training_error` is final unless the job says `restart_on_error`. A person may
also resume a stopped or failed training job (`resume`): it goes on the same way.

Every state here is a row: a platform that stops while a restart is pending prepares and
places the job again after its own restart.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from vlad.contract import Operation
from vlad.contract.training_config import CHECKPOINTS, checkpoint_step
from vlad.server.db import Database
from vlad.server.ingestion.batch import ERROR_NOTE, PREEMPTED_NOTE, RESTART_SUFFIX
from vlad.server.models import Job, utcnow
from vlad.server.services import confined
from vlad.server.services.errors import Conflict
from vlad.server.services.states import ACTIVE, JobStatus, automatic_restarts

log = logging.getLogger("vlad.restarts")


# -- checkpoints -----------------------------------------------------------------------------------
def newest_checkpoint(output: str | Path) -> tuple[int, Path] | None:
    """The newest whole checkpoint of a job's output folder, as (step, folder); None when there
    is none. Only `save/checkpoints/<step>/`, a folder reached without links, counts: one
    written halfway has another name until it is renamed whole."""
    steps = [
        (s, name)
        for name in confined.folders(output, CHECKPOINTS)
        if (s := checkpoint_step(name)) is not None
    ]
    if not steps:
        return None
    step, name = max(steps)
    return step, Path(output) / CHECKPOINTS / name


# -- the policy ------------------------------------------------------------------------------------
def may_restart(job: Job) -> bool:
    """Whether the active job's ended attempt is followed by another one automatically. (A
    kernel's training_error ended it already, unless it restarts on error: the consumer
    keeps such a job active, its message beginning with ERROR_NOTE.)"""
    return job.status in ACTIVE and (preempted(job) or automatic_restarts(job.attempts) < job.max_restarts)


def preempted(job: Job) -> bool:
    """Stopped by the scheduler for a job of higher priority: it goes back to the queue
    whatever its max_restarts (a preemption is not a failure)."""
    return (job.message or "").startswith(PREEMPTED_NOTE)


def _ended_attempt(job: Job, then: str, reason: str, exit_code: int | None, log_tail: str) -> dict[str, Any]:
    return {
        "attempt": job.attempt,
        "started_at": (job.started_at or job.placed_at or job.created_at).isoformat(),
        "ended_at": utcnow().isoformat(),
        "exit_code": exit_code,
        "reason": reason,
        "step": job.step,
        "percentage": job.percentage,
        "log_tail": log_tail[-4000:],
        "then": then,  # restarted | preempted | resumed (by a person)
    }


def _requeue(job: Job, message: str) -> None:
    job.attempt += 1
    job.status = JobStatus.WAITING.value
    job.message = message
    # The next attempt counts its steps again (from its checkpoint's, or from 0).
    job.step = None
    job.exit_code = None
    job.started_at = job.finished_at = None
    job.prepared_at = job.placed_at = None
    job.queue_position = None
    job.wait_reason = None
    job.updated_at = utcnow()


def restart(db: Database, job_id: str, reason: str, exit_code: int | None, log_tail: str) -> bool:
    """Record the active job's attempt as ended and queue the next one; False (nothing done)
    when its policy allows no more restarts."""
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None or not may_restart(job):
            return False
        ended = job.attempt
        then = "preempted" if preempted(job) else "restarted"
        if then == "preempted" or (job.message or "").startswith(ERROR_NOTE):
            reason = f"{(job.message or '').removesuffix(RESTART_SUFFIX)}; {reason}"
        job.attempts = [*(job.attempts or []), _ended_attempt(job, then, reason, exit_code, log_tail)]
        counted = f"{automatic_restarts(job.attempts)} of {job.max_restarts} restarts"
        _requeue(
            job,
            f"Attempt {ended} ended ({reason}); attempt {ended + 1} resumes from its newest "
            f"checkpoint" + (" once there is room again." if then == "preempted" else f" ({counted})."),
        )
    log.info("job %s: attempt %d ended (%s); restarting", job_id, ended, reason)
    return True


def check_resumable(job: Job) -> None:
    """Conflict unless the job is a stopped or failed training job with a checkpoint."""
    if job.operation != Operation.TRAINING.value or job.status not in (
        JobStatus.STOPPED.value,
        JobStatus.FAILED.value,
    ):
        raise Conflict(
            f"job {job.id} is a {job.status} {job.operation} job; only a stopped or failed "
            "training job can be resumed"
        )
    if newest_checkpoint(Path(job.job_dir) / "output") is None:
        raise Conflict(
            f"job {job.id} has no checkpoint to resume from (its kernel writes none under "
            "save/checkpoints/); train it again instead"
        )


def resume(job: Job) -> Job:
    """A person's resume of an ended training job that did not finish (one `check_resumable`
    let through): its next attempt, from its newest checkpoint."""
    ended = job.attempt
    reason = job.message or job.status
    job.attempts = [*(job.attempts or []), _ended_attempt(job, "resumed", reason, job.exit_code, "")]
    _requeue(
        job, f"Resumed by a person after attempt {ended}: attempt {ended + 1} from its newest checkpoint."
    )
    return job
