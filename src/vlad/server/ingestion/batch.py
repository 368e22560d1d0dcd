"""Applying a batch of status messages in one transaction."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import bindparam, literal, or_, select, update

from vlad.contract import Command, StatusMessage
from vlad.server.db import Database
from vlad.server.models import Job, Project, utcnow
from vlad.server.services.states import ACTIVE, JobProgress, JobStatus, Verdict, apply

log = logging.getLogger("vlad.ingestion")


@dataclass
class BatchResult:
    changed: dict[str, JobProgress] = field(default_factory=dict)  # job id -> new state
    counts: Counter[str] = field(default_factory=Counter)


def apply_batch(db: Database, messages: list[StatusMessage]) -> BatchResult:
    """Apply `messages` in order; commit once. Forged and unknown ones are refused and counted."""
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
                log.warning("refused a status message for job %s: wrong project_key", message.job_id)
                continue
            verdict = apply(states[message.job_id], message, now)
            result.counts[verdict.value] += 1
            if verdict is Verdict.APPLIED:
                result.changed[message.job_id] = states[message.job_id]
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
