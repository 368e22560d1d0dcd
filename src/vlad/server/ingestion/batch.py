"""Applying a batch of status messages in one transaction, and finding the message at
fault when a batch cannot be applied."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, literal, or_, select, update
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from vlad.contract import Command, StatusMessage
from vlad.server.db import Database
from vlad.server.models import Job, Project, utcnow
from vlad.server.services.states import ACTIVE, JobProgress, JobStatus, Verdict, apply, automatic_restarts

log = logging.getLogger("vlad.ingestion")
# How the monitor's note on an ended job whose last status has not been read begins.
AWAITING_NOTE = "The kernel's process has ended; its last status is awaited"


@dataclass
class BatchResult:
    changed: dict[str, JobProgress] = field(default_factory=dict)  # job id -> new state
    counts: Counter[str] = field(default_factory=Counter)
    # The same counts by the project_key of the job they were for (unknown jobs: none).
    by_project: dict[str, Counter[str]] = field(default_factory=dict)


# How the message of a job whose kernel sent training_error, and which restarts on error, begins.
ERROR_NOTE = "training_error"
RESTART_SUFFIX = " (it restarts once its process has ended)"
# How the message of a job stopped to make room for a job of higher priority begins.
PREEMPTED_NOTE = "Preempted"


def _restarts_on_error(row: Any) -> bool:
    return bool(row.restart_on_error) and automatic_restarts(row.attempts) < row.max_restarts


def apply_batch(
    db: Database,
    messages: list[StatusMessage],
    annotate: Callable[[JobProgress], str | None] | None = None,
) -> BatchResult:
    """Apply `messages` in order; commit once. Forged and unknown ones are refused and counted.

    `annotate` gives each changed job's message in the same transaction (the monitor's note on
    an outcome read from a file), so no reader ever sees the job ended without it.
    """
    result = BatchResult()
    ids = {m.job_id for m in messages}
    now = utcnow()
    with db.session() as session:
        rows = session.execute(
            select(
                Job.id,
                Job.operation,
                Job.status,
                Job.percentage,
                Job.step,
                Job.message,
                Job.started_at,
                Job.finished_at,
                Job.placed_at,
                Job.attempt,
                Job.restart_on_error,
                Job.max_restarts,
                Job.attempts,
                Project.project_key,
            )
            .join(Project, Project.id == Job.project_id)
            .where(Job.id.in_(ids))
        ).all()
        known = {row.id: row for row in rows}
        states = {
            row.id: JobProgress(
                JobStatus(row.status),
                row.percentage,
                row.step,
                row.message,
                row.started_at,
                row.finished_at,
            )
            for row in rows
        }
        for message in messages:
            row = known.get(message.job_id)
            expected_cmd = (
                Command.TRAINING if row is not None and row.operation == "training" else Command.VALIDATION
            )
            if row is None or message.cmd is not expected_cmd:
                result.counts["unknown_job"] += 1
                log.warning(
                    "refused a status message for unknown job %r (%s)",
                    message.job_id,
                    message.cmd.value,
                )
                continue
            if message.project_key != row.project_key:
                result.counts["wrong_project_key"] += 1
                result.by_project.setdefault(row.project_key, Counter())["wrong_project_key"] += 1
                log.warning("refused a status message for job %s: wrong project_key", message.job_id)
                continue
            if row.attempt > 1 and row.placed_at is None:
                # A restarted job between attempts has no kernel running: a message now is
                # a late one of the attempt that ended (a stopped kernel's last words).
                result.counts["between_attempts"] += 1
                continue
            verdict = apply(states[message.job_id], message, now)
            result.counts[verdict.value] += 1
            result.by_project.setdefault(row.project_key, Counter())[verdict.value] += 1
            if verdict is Verdict.APPLIED:
                state = states[message.job_id]
                if state.status is JobStatus.DONE and (state.message or "").startswith(AWAITING_NOTE):
                    state.message = None  # the monitor's note is answered
                if state.status is JobStatus.FAILED and (row.message or "").startswith(PREEMPTED_NOTE):
                    # The stop was the scheduler's: it goes back to the queue once it has ended.
                    state.status, state.finished_at, state.message = JobStatus.TRAINING, None, row.message
                elif state.status is JobStatus.FAILED and _restarts_on_error(row):
                    # It stays active; the monitor restarts it once its process has ended.
                    state.status, state.finished_at = JobStatus.TRAINING, None
                    state.message = f"{ERROR_NOTE}: {state.message}{RESTART_SUFFIX}"
                result.changed[message.job_id] = state
        if annotate is not None:
            for state in result.changed.values():
                state.message = annotate(state)
        if result.changed:
            # The status guard keeps an end set elsewhere (stop, abnormal exit) from being undone.
            # (Plain comparisons: an IN list cannot take part in an executemany.)
            still_active = or_(*(Job.status == literal(s.value) for s in ACTIVE))
            statement = (
                update(Job)
                .where(Job.id == bindparam("_id"), still_active)
                .values(
                    status=bindparam("_status"),
                    percentage=bindparam("_percentage"),
                    step=bindparam("_step"),
                    message=bindparam("_message"),
                    started_at=bindparam("_started"),
                    finished_at=bindparam("_finished"),
                    updated_at=now,
                )
            )
            session.connection().execute(
                statement,
                [
                    {
                        "_id": job_id,
                        "_status": s.status.value,
                        "_percentage": s.percentage,
                        "_step": s.step,
                        "_message": s.message,
                        "_started": s.started_at,
                        "_finished": s.finished_at,
                    }
                    for job_id, s in result.changed.items()
                ],
            )
    return result


# -- isolating a message that cannot be applied --------------------------------------------------
# A message the database refuses (a value out of a column's range, a bug in a rule) would
# otherwise fail its whole batch again on every redelivery and stop ingestion for every job.

_OUTAGE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, SQLAlchemyTimeoutError)


class Outage(Exception):  # noqa: N818 - a state of the database, not a programming error
    """The database takes no message at all (down, unreachable, locked): retry the whole
    batch later; no message is at fault. `applied`: what was committed before it went."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.applied = BatchResult()


@dataclass
class Poison:
    index: int  # in the list given to `apply_isolating`
    error: str


def merge(into: BatchResult, part: BatchResult) -> None:
    """Add `part`'s changes and counts to `into` (parts applied in order)."""
    into.changed.update(part.changed)
    into.counts.update(part.counts)
    for key, counts in part.by_project.items():
        into.by_project.setdefault(key, Counter()).update(counts)


def isolate(
    messages: list[StatusMessage],
    attempt: Callable[[list[StatusMessage]], BatchResult],
    healthy: Callable[[], bool],
) -> tuple[BatchResult, list[Poison]]:
    """Apply `messages` with `attempt` (one transaction per call); when a call fails, split
    its messages in halves, in order, until each failing message stands alone.

    Returns what was applied and the messages at fault. Raises `Outage`, having committed
    nothing that a redelivery would not apply again harmlessly, when an error is the
    database's own (a connection error) or when `healthy()` says it does not answer: then
    no message is at fault and none may be dead-lettered.
    """
    result = BatchResult()
    poison: list[Poison] = []

    def solve(lo: int, hi: int) -> None:
        try:
            merge(result, attempt(messages[lo:hi]))
            return
        except _OUTAGE_ERRORS as exc:
            raise Outage(f"{type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - whatever a message provokes is found and isolated
            if not healthy():
                raise Outage(f"the database does not answer ({type(exc).__name__}: {exc})") from exc
            if hi - lo == 1:
                poison.append(Poison(lo, f"{type(exc).__name__}: {exc}"[:1000]))
                return
        mid = (lo + hi) // 2
        solve(lo, mid)
        solve(mid, hi)

    if messages:
        try:
            solve(0, len(messages))
        except Outage as outage:
            outage.applied = result  # redelivered, these change nothing: their listeners hear now
            raise
    return result, poison


def database_answers(db: Database) -> bool:
    """True when the database runs a trivial query (it is up and takes statements)."""
    try:
        with db.session() as session:
            session.execute(select(literal(1)))
        return True
    except Exception:  # noqa: BLE001 - any failure means: not now
        return False


def apply_isolating(db: Database, messages: list[StatusMessage]) -> tuple[BatchResult, list[Poison]]:
    """`apply_batch`, with the messages that make it fail found and left out (see `isolate`)."""
    return isolate(messages, lambda part: apply_batch(db, part), lambda: database_answers(db))
