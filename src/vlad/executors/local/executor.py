"""Runs each kernel as a process of this machine, under `supervise`, in its own session."""

from __future__ import annotations

import logging
import os
import signal
import threading
from contextlib import suppress

from vlad.executors.base import JobSpec, JobState, RunStatus
from vlad.executors.gpus import GpuPool
from vlad.executors.local.job import CANCELLED_WHILE_QUEUED, CANNOT_START, LocalJob
from vlad.executors.local.process import empty_folder, note_in_log, start_supervised
from vlad.executors.logfile import LogFileLogs

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2


class LocalProcessExecutor(LogFileLogs):
    """Kernels as local processes, sharing the GPU ids in `gpus` through a FIFO queue.

    Exit codes: the kernel's own; negative when a signal killed it (-9 after the hard kill
    of `cancel`); -15 for a job cancelled while still queued; -9 for a job whose
    supervisor vanished without recording a code (killed with its process group while
    no executor was watching); 127 when the kernel could not be started (see its log).
    Kernels survive the platform: `recover` finds them again through the job folder's
    `executor.json` and `exit_code`. `cleanup` of a job that has not ended does nothing.
    """

    name = "local"

    def __init__(self, gpus: list[str] | None = None, grace_seconds: float = 10.0) -> None:
        self.grace_seconds = grace_seconds
        self._pool = GpuPool([str(g) for g in gpus or []])
        self._jobs: dict[str, LocalJob] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="vlad-local-watch", daemon=True)
        self._watcher.start()

    def gpu_capacity(self) -> int:
        return len(self._pool.gpu_ids)

    def submit(self, spec: JobSpec) -> RunStatus:
        if not spec.command:
            raise ValueError(
                f"job {spec.job_id} has no command to run; a kernel's `command` "
                "is an argv list such as ['python', '-m', 'kernel']"
            )
        with self._lock:
            if spec.job_id not in self._jobs:
                gpus = self._pool.request(spec.job_id, spec.gpu_count)
                self._jobs[spec.job_id] = job = LocalJob(spec)
                if gpus is not None:
                    self._launch(job, gpus)
            return self._status(spec.job_id)

    def status(self, job_id: str) -> RunStatus:
        with self._lock:
            return self._status(job_id)

    def _spec(self, job_id: str) -> JobSpec | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job.spec if job is not None else None

    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None:
        """As `Executor.cancel`; without `grace_seconds`, the executor's own grace period."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or self._refresh(job):
                return
            if job.record is None:
                self._pool.withdraw(job_id)
                self._finish(job, CANCELLED_WHILE_QUEUED)
                return
            # The supervisor passes SIGTERM on to the kernel, which may save its work.
            with suppress(ProcessLookupError, PermissionError):
                os.kill(job.record.pid, signal.SIGTERM)
        grace = self.grace_seconds if grace_seconds is None else grace_seconds
        timer = threading.Timer(grace, self._kill_group, args=(job_id,))
        timer.daemon = True
        timer.start()

    def cleanup(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            if not self._refresh(job):
                logger.warning("cleanup of job %s skipped: it has not ended", job_id)
                return
            job.process = None
            self._pool.release(job_id)
            self._start_ready()
            temp_path = job.spec.temp_path
        empty_folder(temp_path)

    def recover(self, specs: list[JobSpec]) -> dict[str, RunStatus]:
        """As `Executor.recover`. A job never started (no `executor.json`: it was queued) is
        submitted again; one that can never run here (too many GPUs) is UNKNOWN."""
        with self._lock:
            never_started = []
            for spec in specs:
                if spec.job_id in self._jobs:
                    continue
                job = LocalJob.found(spec)
                if job is None:
                    never_started.append(spec)
                    continue
                self._jobs[spec.job_id] = job
                if not job.ended:
                    self._pool.claim(spec.job_id, job.record.gpus)
            for spec in never_started:
                try:
                    self.submit(spec)
                except ValueError as exc:
                    logger.warning("job %s cannot be recovered: %s", spec.job_id, exc)
            return {spec.job_id: self._status(spec.job_id) for spec in specs}

    def close(self) -> None:
        self._stop.set()
        self._watcher.join(timeout=5)

    def _status(self, job_id: str) -> RunStatus:
        job = self._jobs.get(job_id)
        if job is None:
            return RunStatus(JobState.UNKNOWN)
        if self._refresh(job):
            return RunStatus(JobState.EXITED, exit_code=job.exit_code)
        if job.record is None:
            return RunStatus(JobState.QUEUED, queue_position=self._pool.position(job_id))
        return RunStatus(JobState.RUNNING, gpus=job.record.gpus)

    def _launch(self, job: LocalJob, gpus: tuple[str, ...]) -> None:
        try:
            job.process, job.record = start_supervised(job.spec, gpus)
        except OSError as exc:
            logger.warning("job %s could not be started: %s", job.spec.job_id, exc)
            note_in_log(job.spec, f"the kernel could not be started: {exc}")
            self._finish(job, CANNOT_START)

    def _refresh(self, job: LocalJob) -> bool:
        """Notice whether the job has ended; True when it has."""
        if job.ended or job.record is None:
            return job.ended
        code = job.poll()
        if code is None:
            return False
        self._finish(job, code)
        return True

    def _finish(self, job: LocalJob, exit_code: int) -> None:
        job.exit_code = exit_code
        self._pool.release(job.spec.job_id)
        self._start_ready()

    def _start_ready(self) -> None:
        for job_id, gpus in self._pool.pop_ready():
            self._launch(self._jobs[job_id], gpus)

    def _kill_group(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.record is None:
                return
            # Even when the supervisor has ended: what the kernel left in its group (data
            # loader workers) goes too. Pids are not reused this soon, so the group is ours.
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(job.record.pid, signal.SIGKILL)
            self._refresh(job)

    def _watch(self) -> None:
        # Ends are noticed here too, so that queued jobs start without anyone asking.
        while not self._stop.wait(POLL_SECONDS):
            try:
                with self._lock:
                    for job in list(self._jobs.values()):
                        self._refresh(job)
            except Exception:
                logger.exception("the local executor's watcher failed; it carries on")
