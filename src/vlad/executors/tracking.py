"""What the executors do the same way, written once.

Every executor keeps, in the platform's process, a record of each job handed to it or
found again by `recover` (`TrackedJob`), and answers `status`, `logs`, `cleanup`,
`recover` and `close` from that table the same way (`TrackingExecutor`). Two kinds differ
in how a job starts: `PooledExecutor` hands out this machine's GPU ids itself (local,
docker); `ClusterExecutor` hands the job to a cluster that schedules its GPUs (ray,
kubernetes).

Which job starts, where and when is the platform's scheduler's to decide
(vlad.server.services.scheduling), from each executor's `capacity`: an executor starts
what it is handed. The GPU queue of `PooledExecutor` remains as a safety net for a moment
the scheduler cannot see (a job's final status arrived, its process has not yet exited).
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Generic, TypeVar

from vlad.executors.base import Capacity, Executor, JobSpec, JobState, RunStatus, pick
from vlad.executors.common import STOPPED, empty_folder
from vlad.executors.gpus import GpuPool
from vlad.executors.logfile import log_lines
from vlad.executors.machine import usable_cpus, usable_memory_gb

logger = logging.getLogger(__name__)


@dataclass
class TrackedJob:
    """A job as this platform process knows it."""

    spec: JobSpec
    exit_code: int | None = field(default=None, kw_only=True)  # set once it has ended

    @property
    def ended(self) -> bool:
        return self.exit_code is not None


@dataclass
class PooledJob(TrackedJob):
    gpus: tuple[str, ...] | None = field(default=None, kw_only=True)  # None while it waits for them

    @property
    def started(self) -> bool:
        return self.gpus is not None


JobT = TypeVar("JobT", bound=TrackedJob)
PooledJobT = TypeVar("PooledJobT", bound=PooledJob)


class TrackingExecutor(Executor, Generic[JobT]):
    """An executor with a table of its jobs. `_lock` guards the table and the jobs' fields;
    calls to an engine or a cluster, which may be slow, are made outside it."""

    # Errors of `submit` on which `recover` gives up a job it submits again (logged).
    resubmit_errors: tuple[type[Exception], ...] = (ValueError,)

    def __init__(self, grace_seconds: float) -> None:
        self.grace_seconds = grace_seconds
        self._jobs: dict[str, JobT] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()  # set by `close`
        self._watcher: threading.Thread | None = None

    def status(self, job_id: str) -> RunStatus:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None and not self._watched():
            self._look_now(job)
        with self._lock:
            return self._status(job_id)

    def logs(self, job_id: str, follow: bool = False) -> Iterator[str]:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            return iter(())

        def ended() -> bool:
            return self.status(job_id).state in (JobState.EXITED, JobState.UNKNOWN)

        return log_lines(job.spec.log_path, ended if follow else None)

    def cleanup(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            if not self._has_ended(job):
                logger.warning("cleanup of job %s skipped: it has not ended", job_id)
                return
        self._discard(job)
        empty_folder(job.spec.temp_path)

    def forget(self, job_id: str) -> None:
        self.cleanup(job_id)
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and not self._has_ended(job):
                logger.warning("job %s not forgotten: it has not ended", job_id)
                return
            self._jobs.pop(job_id, None)
        self._forget_elsewhere(job_id)

    def _forget_elsewhere(self, job_id: str) -> None:
        """What `forget` drops besides this table: the engine's or cluster's record of the
        ended job, if it keeps one under the job's id (outside the lock; unknown: no error)."""

    def recover(self, specs: list[JobSpec]) -> dict[str, RunStatus]:
        with self._lock:
            unknown = [spec for spec in specs if spec.job_id not in self._jobs]
        found = self._find(unknown) if unknown else {}
        taken_back = [self._adopt(spec, found[spec.job_id]) for spec in unknown if spec.job_id in found]
        self._took_back([job for job in taken_back if job is not None])
        # Only now: a job submitted again queues behind the GPUs of those found running.
        for spec in unknown:
            if spec.job_id not in found:
                try:
                    self.submit(spec)
                except self.resubmit_errors as exc:
                    logger.warning("job %s cannot be recovered: %s", spec.job_id, exc)
        with self._lock:
            return {spec.job_id: self._status(spec.job_id) for spec in specs}

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    def _status(self, job_id: str) -> RunStatus:
        """The job's status from the table; the lock is held."""
        job = self._jobs.get(job_id)
        if job is None:
            return RunStatus(JobState.UNKNOWN)
        if self._has_ended(job):
            return RunStatus(JobState.EXITED, exit_code=job.exit_code)
        return self._active_status(job)

    @abc.abstractmethod
    def _active_status(self, job: JobT) -> RunStatus:
        """QUEUED or RUNNING: the status of a job that has not ended. The lock is held."""

    def _has_ended(self, job: JobT) -> bool:
        """Whether the job has ended, as this process knows. The lock is held."""
        return job.ended

    @abc.abstractmethod
    def _find(self, specs: list[JobSpec]) -> Mapping[str, Any]:
        """What the engine or cluster still holds of these jobs (none of them in the table),
        by job id: what `_adopt` needs. A job it lacks never started."""

    @abc.abstractmethod
    def _adopt(self, spec: JobSpec, found: Any) -> JobT | None:
        """Put a job found by `_find` in the table and watch it again (its GPUs held, its log
        copied); None when the table had it already."""

    def _took_back(self, jobs: Sequence[JobT]) -> None:
        """After `recover` adopted these jobs, before it submits the others again."""

    def _discard(self, job: JobT) -> None:
        """What `cleanup` removes besides the temp folder's content (a container, a
        cluster's objects); called outside the lock, perhaps more than once."""

    def _watched(self) -> bool:
        return self._watcher is not None and not self._stop.is_set()

    def _look_now(self, job: JobT) -> None:
        """Learn the job's state at once, for `status` while no watcher does (outside the lock)."""

    def _start_watcher(self, poll_seconds: float) -> None:
        self._watcher = threading.Thread(
            target=self._watch, args=(poll_seconds,), name=f"vlad-{self.name}-watch", daemon=True
        )
        self._watcher.start()

    def _watch(self, poll_seconds: float) -> None:
        while not self._stop.wait(poll_seconds):
            try:
                self._poll()
            except Exception:
                logger.exception("the %s executor's watcher failed; it carries on", self.name)

    def _poll(self) -> None:
        """One round of the watcher: notice the jobs that have ended."""


class PooledExecutor(TrackingExecutor[PooledJobT]):
    """An executor of one machine, handing out its GPU ids itself (`GpuPool`). A job is
    started by `_launch` once it holds its GPUs; `_finish` records its end, frees its GPUs
    and starts the jobs now at the head of the queue.

    Its capacity is the machine's: `cpus` and `memory_gb` (GiB) when given (VLAD_CPUS,
    VLAD_MEMORY_GB), else what the machine offers (`_machine`), and its GPU ids. The
    scheduler hands it only jobs that fit, so its GPU queue is seldom more than a moment.
    """

    where = "this machine"  # in words, for the scheduler's queue view

    def __init__(
        self,
        gpus: Sequence[str] | None,
        grace_seconds: float,
        cpus: float | None = None,
        memory_gb: float | None = None,
    ) -> None:
        super().__init__(grace_seconds)
        self._pool = GpuPool([str(g) for g in gpus or []])
        self._cpus, self._memory_gb = cpus, memory_gb

    @classmethod
    def options_from(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **super().options_from(settings),
            **pick(settings, gpus="gpus", cpus="cpus", memory_gb="memory_gb"),
        }

    def gpu_capacity(self) -> int:
        return len(self._pool.gpu_ids)

    def capacity(self) -> Capacity:
        cpus, memory_gb = self._machine
        return Capacity(
            cpus=self._cpus if self._cpus is not None else cpus,
            memory_gb=self._memory_gb if self._memory_gb is not None else memory_gb,
            gpus=self.gpu_capacity(),
            where=self.where,
        )

    def _fit(self, spec: JobSpec) -> JobSpec:
        """The job as it runs here: CPUs beyond all this executor has count as all of it, as
        the scheduler counts them, so that its thread pools do not outnumber the cores."""
        most = self.capacity().cpus
        return replace(spec, cpus=most) if most is not None and spec.cpus > most else spec

    @cached_property
    def _machine(self) -> tuple[float | None, float | None]:
        """(CPUs, memory in GiB) that jobs may use where this executor runs them; asked once."""
        return usable_cpus(), usable_memory_gb()

    def submit(self, spec: JobSpec) -> RunStatus:
        self._check(spec)
        spec = self._fit(spec)
        with self._lock:
            if spec.job_id not in self._jobs:
                gpus = self._pool.request(spec.job_id, spec.gpu_count)
                self._jobs[spec.job_id] = job = self._new_job(spec)
                if gpus is not None:
                    self._launch(job, gpus)
            return self._status(spec.job_id)

    @abc.abstractmethod
    def _check(self, spec: JobSpec) -> None:
        """Raise ValueError when the job can never run here (besides its GPU count)."""

    @abc.abstractmethod
    def _new_job(self, spec: JobSpec) -> PooledJobT:
        """A submitted job's record, not yet started."""

    @abc.abstractmethod
    def _launch(self, job: PooledJobT, gpus: tuple[str, ...]) -> None:
        """Start the job with these GPUs; the lock is held. A job that cannot start is
        `_finish`ed with CANNOT_START, with a line in its log saying why."""

    @abc.abstractmethod
    def _kill(self, job_id: str) -> None:
        """The hard kill at the end of a stop's grace period (from a timer thread)."""

    def _active_status(self, job: PooledJobT) -> RunStatus:
        if job.gpus is None:
            return RunStatus(JobState.QUEUED, queue_position=self._pool.position(job.spec.job_id))
        return RunStatus(JobState.RUNNING, gpus=job.gpus)

    def _cancel_queued(self, job: PooledJobT) -> bool:
        """Take a job still waiting for GPUs out of the queue, ended with STOPPED; False
        when it has started. The lock is held."""
        if job.started:
            return False
        self._pool.withdraw(job.spec.job_id)
        self._finish(job, STOPPED)
        return True

    def _kill_after(self, job_id: str, grace_seconds: float | None) -> None:
        grace = self.grace_seconds if grace_seconds is None else grace_seconds
        timer = threading.Timer(grace, self._kill, args=(job_id,))
        timer.daemon = True
        timer.start()

    def _finish(self, job: PooledJobT, exit_code: int) -> None:
        """Record the job's end and free its GPUs; the lock is held."""
        job.exit_code = exit_code
        self._pool.release(job.spec.job_id)
        if self._stop.is_set():
            return  # closed: a new executor takes over the queue
        for job_id, gpus in self._pool.pop_ready():
            self._launch(self._jobs[job_id], gpus)


class ClusterExecutor(TrackingExecutor[JobT]):
    """An executor handing each job to a cluster, which schedules its GPUs and keeps the
    job under its id, so that a restarted platform finds it there."""

    def submit(self, spec: JobSpec) -> RunStatus:
        with self._lock:
            if spec.job_id in self._jobs:
                return self._status(spec.job_id)
        job = self._create(spec)
        if job is None:  # created already, by a platform now gone
            return self.recover([spec])[spec.job_id]
        with self._lock:
            self._jobs.setdefault(spec.job_id, job)
            return self._status(spec.job_id)

    @abc.abstractmethod
    def _create(self, spec: JobSpec) -> JobT | None:
        """Hand the job to the cluster (outside the lock); its record, or None when the
        cluster holds it already. Raises ValueError when it can never run there."""
