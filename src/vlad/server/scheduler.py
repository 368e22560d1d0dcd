"""The platform's scheduler: one thread that hands waiting jobs to their executors.

The queue is the `jobs` table: a job is created waiting, prepared in the background (its
datasets staged and its settings written: `prepared_at`), and placed by this scheduler
(`placed_at`) when the rule of `services.scheduling` says so; only then does its executor
see it. A restarted platform finds the queue where it was: the order comes from the rows
(priority, project, submission time), never from memory.

A pass reads every active job, asks `scheduling.plan`, marks the jobs it places (only
those still waiting and not placed: a job stopped meanwhile stays stopped) and writes each
other job's position and reason where they changed. It runs when woken (a job prepared,
ended, stopped, re-prioritised; a quota changed) and every `interval` seconds besides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from vlad.executors import Capacity
from vlad.server.models import Experiment, Job, Project, utcnow
from vlad.server.services import restarts
from vlad.server.services.jobs import JobLauncher
from vlad.server.services.scheduling import (
    Plan,
    Preemption,
    ProjectRules,
    QueueJob,
    Waiting,
    plan,
    preemption,
    queue_job,
)
from vlad.server.services.states import ACTIVE, JobStatus
from vlad.server.worker import Worker

log = logging.getLogger("vlad.scheduler")
ACTIVE_VALUES = [s.value for s in ACTIVE]


class Scheduler(Worker):
    thread_name = "vlad-scheduler"

    def __init__(
        self,
        launcher: JobLauncher,
        interval: float = 2.0,
        on_change: Callable[[list[str]], None] = lambda job_ids: None,
        preempt: Callable[[Preemption], None] | None = None,
    ) -> None:
        super().__init__(interval)
        self.launcher = launcher
        self.on_change = on_change  # jobs placed, or whose position or reason changed
        # With preemption on: stops the chosen running jobs for a waiting one (the platform's).
        self.preempt = preempt
        # Handing a job over may take a while (a container engine, a cluster): not in this thread.
        self._submit = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vlad-submit")

    def stop(self) -> None:
        super().stop()
        self._submit.shutdown(wait=True)

    def run_once(self) -> Plan:
        """One pass: place what may start, note why the rest waits. Returns the plan."""
        db = self.launcher.db
        with db.session() as session:
            rows = session.execute(
                select(
                    Job.id,
                    Job.project_id,
                    Job.executor,
                    Job.gpu_count,
                    Job.cpus,
                    Job.memory_gb,
                    Job.priority,
                    Job.created_at,
                    Job.experiment_id,
                    Job.prepared_at,
                    Job.placed_at,
                    Job.queue_position,
                    Job.wait_reason,
                    Job.status,
                    Job.message,
                    Job.job_dir,
                ).where(Job.status.in_(ACTIVE_VALUES))
            ).all()
            if not any(row.placed_at is None for row in rows):
                return Plan()
            projects = {
                row.id: ProjectRules(row.share, row.quota_gpus, row.quota_running)
                for row in session.execute(
                    select(Project.id, Project.share, Project.quota_gpus, Project.quota_running).where(
                        Project.id.in_({row.project_id for row in rows})
                    )
                )
            }
            experiments = {row.experiment_id for row in rows if row.experiment_id}
            max_parallel = dict(
                session.execute(
                    select(Experiment.id, Experiment.max_parallel).where(
                        Experiment.id.in_(experiments), Experiment.max_parallel.is_not(None)
                    )
                ).all()
            )
        jobs = {row.id: queue_job(row) for row in rows}
        placed = [jobs[row.id] for row in rows if row.placed_at is not None]
        waiting = [jobs[row.id] for row in rows if row.placed_at is None]
        capacities = {name: self._capacity(name) for name in {job.executor for job in jobs.values()}}
        result = plan(waiting, placed, capacities, projects, max_parallel)
        before = {row.id: Waiting(row.queue_position, row.wait_reason or "") for row in rows}
        changed = self._write(result, before)
        for job_id in result.placed:
            self._submit.submit(self.launcher.submit, job_id)
        if self.preempt is not None and result.waiting:
            self._preempt_for(result, waiting, placed, capacities, rows)
        if changed:
            self.on_change(changed)
        return result

    def _preempt_for(
        self,
        result: Plan,
        waiting: list[QueueJob],
        placed: list[QueueJob],
        capacities: dict[str, Capacity | str],
        rows: Sequence[Any],
    ) -> None:
        """Stop lower-priority running jobs that have a checkpoint for the first waiting job
        that only lacks room; one preemption at a time (the next once those have ended)."""
        if any(row.placed_at is not None and restarts.preempted(row) for row in rows):
            return
        top = max((job.priority for job in waiting), default=0)
        checkpointed = {
            row.id
            for row in rows
            if row.placed_at is not None
            and row.status == JobStatus.TRAINING.value
            and row.priority < top
            and restarts.newest_checkpoint(Path(row.job_dir) / "output") is not None
        }
        chosen = preemption(result, waiting, placed, capacities, checkpointed)
        if chosen is not None and self.preempt is not None:
            log.info(
                "preempting %s for job %s (priority %d)", chosen.victims, chosen.for_job, chosen.priority
            )
            self.preempt(chosen)

    def _capacity(self, executor: str) -> Capacity | str:
        try:
            return self.launcher.executors[executor].capacity()
        except Exception as exc:  # noqa: BLE001 - ExecutorUnavailable, a cluster's client errors
            return str(exc) or type(exc).__name__

    def _write(self, result: Plan, before: dict[str, Waiting]) -> list[str]:
        """Mark the placed jobs and the waiting ones' changes; the ids changed. A job that is
        no longer waiting (stopped meanwhile) is not placed: it drops out of `result.placed`."""
        now = utcnow()
        changed: list[str] = []
        with self.launcher.db.session() as session:
            for job_id in list(result.placed):
                count = session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status.in_(ACTIVE_VALUES), Job.placed_at.is_(None))
                    .values(placed_at=now, queue_position=None, wait_reason=None, updated_at=now)
                ).rowcount  # type: ignore[attr-defined]
                if count:
                    changed.append(job_id)
                else:
                    result.placed.remove(job_id)
            for job_id, waiting in result.waiting.items():
                if before.get(job_id) == waiting:
                    continue
                session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.placed_at.is_(None))
                    .values(queue_position=waiting.position, wait_reason=waiting.reason)
                )
                changed.append(job_id)
        return changed
