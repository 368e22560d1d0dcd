"""Watches job processes: a kernel that ends without `training_done` or `training_error`
has terminated abnormally; a job that has ended gets its resources released."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from pathlib import Path

from sqlalchemy import select

from vlad.executors import JobState, RunStatus
from vlad.server.models import Job
from vlad.server.services.jobs import JobLauncher
from vlad.server.services.states import ACTIVE

log = logging.getLogger("vlad.monitor")
LOST_AFTER_SECONDS = 30.0


def log_tail(job_dir: str, lines: int = 20) -> str:
    path = Path(job_dir) / "kernel.log"
    if not path.is_file():
        return ""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64 * 1024))
        tail = deque(f.read().decode("utf-8", errors="replace").splitlines(), maxlen=lines)
    return "\n".join(tail)


class JobMonitor:
    def __init__(self, launcher: JobLauncher, exit_grace: float, interval: float = 0.5) -> None:
        self.launcher = launcher
        self.exit_grace = exit_grace
        self.interval = interval
        self._exited: dict[str, float] = {}
        self._unknown: dict[str, float] = {}
        self._to_release: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> JobMonitor:
        self._thread = threading.Thread(target=self._run, name="vlad-job-monitor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def release_when_exited(self, job_ids: list[str]) -> None:
        with self._lock:
            self._to_release.update(job_ids)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - keep watching
                log.exception("job monitor pass failed")

    def check(self) -> None:
        with self.launcher.db.session() as session:
            active = session.execute(
                select(Job.id, Job.executor, Job.job_dir).where(Job.status.in_([s.value for s in ACTIVE]))
            ).all()
        now = time.monotonic()
        for job_id, executor_name, job_dir in active:
            status = self._status(executor_name, job_id)
            if status is None:
                continue
            if status.state in (JobState.RUNNING, JobState.QUEUED):
                self._exited.pop(job_id, None)
                self._unknown.pop(job_id, None)
                continue
            if status.state is JobState.UNKNOWN:
                if now - self._unknown.setdefault(job_id, now) > LOST_AFTER_SECONDS:
                    self._fail(job_id, job_dir, None, "the executor lost track of its process")
                continue
            # Exited: give its last messages a moment to arrive before calling it abnormal.
            if now - self._exited.setdefault(job_id, now) >= self.exit_grace:
                self._fail(job_id, job_dir, status.exit_code, "")
        with self._lock:
            pending = list(self._to_release)
        for job_id in pending:
            self._release(job_id)

    def _status(self, executor_name: str, job_id: str) -> RunStatus | None:
        """The job's status; None while its executor cannot be reached (a cluster that is
        down must not fail its jobs, nor stop the watch over the others)."""
        try:
            return self.launcher.executors[executor_name].status(job_id)
        except Exception as exc:  # noqa: BLE001 - ExecutorUnavailable, or a client's own errors
            log.warning("cannot ask executor %s about job %s: %s", executor_name, job_id, exc)
            return None

    def _fail(self, job_id: str, job_dir: str, exit_code: int | None, why: str) -> None:
        self._exited.pop(job_id, None)
        self._unknown.pop(job_id, None)
        code = f"exit code {exit_code}" if exit_code is not None else why
        tail = log_tail(job_dir)
        message = (
            f"The kernel terminated abnormally ({code}) without sending training_done "
            f"or training_error." + (f" Last lines of its log:\n{tail}" if tail else "")
        )
        if self.launcher.fail(job_id, message, exit_code):
            log.info("job %s terminated abnormally (%s)", job_id, code)
            self.launcher.notify([job_id])
        self.release_when_exited([job_id])

    def _release(self, job_id: str) -> None:
        with self.launcher.db.session() as session:
            job = session.get(Job, job_id)
            executor_name = job.executor if job else None
        if executor_name is None:
            with self._lock:
                self._to_release.discard(job_id)
            return
        status = self._status(executor_name, job_id)
        if status is not None and status.state in (JobState.EXITED, JobState.UNKNOWN):
            self.launcher.executors[executor_name].cleanup(job_id)
            with self._lock:
                self._to_release.discard(job_id)
