"""Job states and the rules of SPEC section 4, as a pure function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from vlad.contract import Status, StatusMessage


class JobStatus(StrEnum):
    WAITING = "waiting"  # submitted (or queued for GPUs); no training_ing yet
    TRAINING = "training"  # training_ing received
    DONE = "done"
    FAILED = "failed"
    STOPPED = "stopped"  # by the user
    PRUNED = "pruned"  # stopped early by its experiment's search: clearly worse than others


ACTIVE = (JobStatus.WAITING, JobStatus.TRAINING)
TERMINAL = (JobStatus.DONE, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.PRUNED)


class Verdict(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # an older step than already recorded (a re-send)
    AFTER_END = "after_end"  # the job had ended already: ignored


@dataclass
class JobProgress:
    """The fields of a job that status messages change."""

    status: JobStatus
    percentage: float | None = None
    step: int | None = None
    message: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


def apply(state: JobProgress, message: StatusMessage, now: datetime) -> Verdict:
    """Apply one message to `state` in place; a message applied twice changes nothing more."""
    if state.status in TERMINAL:
        return Verdict.AFTER_END
    status = message.status.canonical
    if status is Status.ING:
        if message.step is not None and state.step is not None and message.step < state.step:
            return Verdict.STALE
        state.status = JobStatus.TRAINING
        state.started_at = state.started_at or now
        if message.percentage is not None:
            state.percentage = message.percentage
        if message.step is not None:
            state.step = message.step
        return Verdict.APPLIED
    state.started_at = state.started_at or now
    state.finished_at = now
    if message.step is not None:
        state.step = max(message.step, state.step or 0)
    if status is Status.DONE:
        state.status, state.percentage = JobStatus.DONE, 100.0
    else:
        state.status = JobStatus.FAILED
        state.message = message.message or "The kernel reported an error without a message."
    return Verdict.APPLIED


def automatic_restarts(attempts: list[Any] | None) -> int:
    """How many of a job's ended attempts were followed by an automatic restart (its
    `max_restarts` counts these; a preemption or a person's resume does not)."""
    return sum(1 for a in attempts or [] if isinstance(a, dict) and a.get("then") == "restarted")
