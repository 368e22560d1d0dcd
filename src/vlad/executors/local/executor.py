"""Runs each kernel as a process of this machine, under `supervise`, in its own session."""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Sequence
from contextlib import suppress

from vlad.executors.base import JobSpec
from vlad.executors.common import CANNOT_START, note_in_log
from vlad.executors.local.job import LocalJob
from vlad.executors.local.process import start_supervised
from vlad.executors.local.state import EXIT_FILE, RECORD_FILE
from vlad.executors.tracking import PooledExecutor

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2


class LocalProcessExecutor(PooledExecutor[LocalJob]):
    """Kernels as local processes, sharing the GPU ids in `gpus` through a FIFO queue.

    Its capacity is this machine's (`PooledExecutor`). A job's CPUs size its thread pools
    (OMP_NUM_THREADS and the like); neither they nor its memory are enforced on a process.

    Exit codes: the kernel's own; negative when a signal killed it (-9 after the hard kill
    of `cancel`); -15 for a job cancelled while still queued; -9 for a job whose
    supervisor vanished without recording a code (killed with its process group while
    no executor was watching); 127 when the kernel could not be started (see its log).
    Kernels survive the platform: `recover` finds them again through the job folder's
    `executor.json` and `exit_code`. `cleanup` of a job that has not ended does nothing.
    """

    name = "local"

    def __init__(
        self,
        gpus: Sequence[str] | None = None,
        grace_seconds: float = 10.0,
        cpus: float | None = None,
        memory_gb: float | None = None,
    ) -> None:
        super().__init__(gpus, grace_seconds, cpus, memory_gb)
        # Ends are noticed by the watcher too, so that queued jobs start without anyone asking.
        self._start_watcher(POLL_SECONDS)

    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None:
        """As `Executor.cancel`; without `grace_seconds`, the executor's own grace period."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or self._has_ended(job) or self._cancel_queued(job):
                return
            assert job.record is not None
            # The supervisor passes SIGTERM on to the kernel, which may save its work.
            with suppress(ProcessLookupError, PermissionError):
                os.kill(job.record.pid, signal.SIGTERM)
        self._kill_after(job_id, grace_seconds)

    def forget(self, job_id: str) -> None:
        """As `Executor.forget`; the job folder's `executor.json` and `exit_code` go too, so
        that a platform restarted before the next attempt starts finds no ended one there."""
        with self._lock:
            job = self._jobs.get(job_id)
        super().forget(job_id)
        with self._lock:
            gone = job is not None and job_id not in self._jobs
        if gone and job is not None:
            for name in (RECORD_FILE, EXIT_FILE):
                (job.spec.job_dir / name).unlink(missing_ok=True)

    def _check(self, spec: JobSpec) -> None:
        if not spec.command:
            raise ValueError(
                f"job {spec.job_id} has no command to run; a kernel's `command` "
                "is an argv list such as ['python', '-m', 'kernel']"
            )

    def _new_job(self, spec: JobSpec) -> LocalJob:
        return LocalJob(spec)

    def _find(self, specs: list[JobSpec]) -> dict[str, LocalJob]:
        """Jobs that started leave `executor.json` in their folder; a queued one leaves none."""
        return {spec.job_id: job for spec in specs if (job := LocalJob.found(spec)) is not None}

    def _adopt(self, spec: JobSpec, found: LocalJob) -> LocalJob | None:
        with self._lock:
            if spec.job_id in self._jobs:
                return None
            self._jobs[spec.job_id] = found
            if not found.ended:
                self._pool.claim(spec.job_id, found.gpus or ())
            return found

    def _discard(self, job: LocalJob) -> None:
        job.process = None  # ended and reaped: nothing more to ask of it

    def _launch(self, job: LocalJob, gpus: tuple[str, ...]) -> None:
        job.gpus = gpus
        try:
            job.process, job.record = start_supervised(job.spec, gpus)
        except OSError as exc:
            logger.warning("job %s could not be started: %s", job.spec.job_id, exc)
            note_in_log(job.spec.log_path, f"the kernel could not be started: {exc}")
            self._finish(job, CANNOT_START)

    def _has_ended(self, job: LocalJob) -> bool:
        """Notice whether the job has ended; True when it has."""
        if job.ended or job.record is None:
            return job.ended
        code = job.poll()
        if code is None:
            return False
        self._finish(job, code)
        return True

    def _kill(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.record is None:
                return
            # Even when the supervisor has ended: what the kernel left in its group (data
            # loader workers) goes too. Pids are not reused this soon, so the group is ours.
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(job.record.pid, signal.SIGKILL)
            self._has_ended(job)

    def _poll(self) -> None:
        with self._lock:
            for job in list(self._jobs.values()):
                self._has_ended(job)
