"""Watches the jobs handed to executors (placed by the scheduler): a kernel that ends
without `training_done` or `training_error` has terminated abnormally; a job that has
ended gets its resources released.

No verdict while the status stream is behind: a process seen to exit at time T is judged
only once the consumer has applied every message queued before T (`drained_at`). While the
broker or the consumer is down the job keeps its state, with a note in its message that
its last status is awaited. A kernel that could not deliver its last status leaves it in
`<model_write_path>/.vlad-outcome.json` (`contract.status.OUTCOME_FILE`); the monitor
applies that file, checked like a status message, before calling an exit abnormal.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import select, update

from vlad.contract import Status, StatusMessage
from vlad.contract.status import OUTCOME_FILE, OUTCOME_FILE_LIMIT
from vlad.executors import JobState, RunStatus
from vlad.server.ingestion.batch import AWAITING_NOTE, apply_batch
from vlad.server.models import Job, utcnow
from vlad.server.services.confined import OutsideFolder, read_bytes
from vlad.server.services.jobs import JobLauncher
from vlad.server.services.states import ACTIVE, JobProgress

log = logging.getLogger("vlad.monitor")
LOST_AFTER_SECONDS = 30.0
# The job's model_write_path, relative to its folder (see JobLauncher._config).
OUTCOME_PATH = f"output/{OUTCOME_FILE}"
UNDELIVERED = "the kernel could not reach the broker for its last status"


class StatusStream(Protocol):
    """How far the status queue has been applied (the consumer)."""

    drained_at: float | None  # time.monotonic(): every message queued before it is applied

    def request_drain_mark(self) -> None: ...


def log_tail(job_dir: str, lines: int = 20) -> str:
    path = Path(job_dir) / "kernel.log"
    if not path.is_file():
        return ""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64 * 1024))
        tail = deque(f.read().decode("utf-8", errors="replace").splitlines(), maxlen=lines)
    return "\n".join(tail)


def read_outcome(job_dir: str, job_id: str) -> tuple[StatusMessage | None, str]:
    """The job's outcome file as a terminal status message for this job, or None and why
    not ("" when there is no file). The kernel wrote it: links, size and content are checked."""
    if not os.path.lexists(Path(job_dir) / OUTCOME_PATH):
        return None, ""  # the usual case; a link here, or on the way, is refused below
    try:
        data = read_bytes(job_dir, OUTCOME_PATH, OUTCOME_FILE_LIMIT + 1)
    except FileNotFoundError:
        return None, ""
    except (OutsideFolder, OSError) as exc:
        return None, f"its outcome file was refused: {exc}"
    if len(data) > OUTCOME_FILE_LIMIT:
        return None, f"its outcome file was refused: larger than {OUTCOME_FILE_LIMIT} bytes"
    try:
        message = StatusMessage.from_body(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '$'}: {e['msg']}" for e in exc.errors())
        return None, f"its outcome file was refused: {problems[:300]}"
    if message.job_id != job_id or not message.status.is_terminal:
        return None, "its outcome file was refused: not a training_done or training_error of this job"
    return message, ""


class JobMonitor:
    def __init__(
        self,
        launcher: JobLauncher,
        exit_grace: float,
        interval: float = 0.5,
        stream: StatusStream | None = None,
    ) -> None:
        self.launcher = launcher
        self.exit_grace = exit_grace
        self.interval = interval
        self.stream = stream  # None: every message is taken as applied (tests without a consumer)
        self._exited: dict[str, float] = {}
        self._unknown: dict[str, float] = {}
        self._noted: set[str] = set()  # jobs whose message says their last status is awaited
        self._to_release: set[str] = set()
        # Called with a job's id once its process has ended and its resources are released
        # (a stopped kernel may write until then: its final metrics are read again).
        self.on_released: Callable[[str], None] = lambda job_id: None
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
                select(Job.id, Job.executor, Job.job_dir).where(
                    Job.status.in_([s.value for s in ACTIVE]), Job.placed_at.is_not(None)
                )
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
                seen = self._seen(self._unknown, job_id, now)
                if now - seen > LOST_AFTER_SECONDS:
                    self._judge(job_id, job_dir, seen, None, "the executor lost track of its process")
                continue
            # Exited: give its last messages a moment to arrive before calling it abnormal.
            seen = self._seen(self._exited, job_id, now)
            if now - seen >= self.exit_grace:
                self._judge(job_id, job_dir, seen, status.exit_code, "")
        still = {row[0] for row in active}
        for seen_jobs in (self._exited, self._unknown):
            for job_id in [j for j in seen_jobs if j not in still]:
                del seen_jobs[job_id]
        self._noted &= still
        with self._lock:
            pending = list(self._to_release)
        for job_id in pending:
            self._release(job_id)

    def _seen(self, seen: dict[str, float], job_id: str, now: float) -> float:
        """When the job's process was first seen ended; the first time, the consumer is asked
        to mark the queue, so that by the end of the grace it has read past that moment."""
        if job_id not in seen:
            seen[job_id] = now
            if self.stream is not None:
                self.stream.request_drain_mark()
        return seen[job_id]

    def _status(self, executor_name: str, job_id: str) -> RunStatus | None:
        """The job's status; None while its executor cannot be reached (a cluster that is
        down must not fail its jobs, nor stop the watch over the others)."""
        try:
            return self.launcher.executors[executor_name].status(job_id)
        except Exception as exc:  # noqa: BLE001 - ExecutorUnavailable, or a client's own errors
            log.warning("cannot ask executor %s about job %s: %s", executor_name, job_id, exc)
            return None

    def _judge(self, job_id: str, job_dir: str, seen: float, exit_code: int | None, why: str) -> None:
        """The process of an active job has ended (or is lost) since `seen`."""
        outcome, refused = read_outcome(job_dir, job_id)
        if outcome is not None and self._apply_outcome(job_id, outcome):
            return
        if not self._stream_past(seen):
            self._await(job_id, exit_code, why)
            return
        self._fail(job_id, job_dir, exit_code, why, refused)

    def _stream_past(self, seen: float) -> bool:
        if self.stream is None:
            return True
        drained = self.stream.drained_at
        if drained is not None and drained >= seen:
            return True
        self.stream.request_drain_mark()
        return False

    def _await(self, job_id: str, exit_code: int | None, why: str) -> None:
        if job_id in self._noted:
            return
        self._noted.add(job_id)
        code = f"exit code {exit_code}" if exit_code is not None else why
        note = (
            f"{AWAITING_NOTE} ({code}): the status queue has not been read past its end, "
            "the broker or the platform's status consumer being unavailable."
        )
        with self.launcher.db.session() as session:
            changed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_([s.value for s in ACTIVE]))
                .values(message=note, updated_at=utcnow())
            ).rowcount  # type: ignore[attr-defined]
        if changed:
            log.info("job %s ended (%s); waiting for its last status", job_id, code)
            self.launcher.notify([job_id])

    def _apply_outcome(self, job_id: str, outcome: StatusMessage) -> bool:
        """Apply the outcome the kernel left in its file; False when it is refused
        (a wrong project_key or command: the same checks as on the wire)."""

        def note(state: JobProgress) -> str:
            if outcome.status.canonical is Status.DONE:
                return f"done; {UNDELIVERED}"
            return f"{state.message} ({UNDELIVERED}; its outcome file says so)"

        result = apply_batch(self.launcher.db, [outcome], annotate=note)
        state = result.changed.get(job_id)
        if state is None:
            log.warning("job %s: its outcome file was refused (%s)", job_id, dict(result.counts))
            return False
        log.info("job %s ended %s through its outcome file", job_id, state.status.value)
        self._forget(job_id)
        self.launcher.notify([job_id])
        self.release_when_exited([job_id])
        return True

    def _forget(self, job_id: str) -> None:
        self._exited.pop(job_id, None)
        self._unknown.pop(job_id, None)
        self._noted.discard(job_id)

    def _fail(self, job_id: str, job_dir: str, exit_code: int | None, why: str, refused: str = "") -> None:
        """The attempt ended without an outcome: the job restarts if its policy allows
        (services.restarts), else it fails with the reason and its log's last lines."""
        self._forget(job_id)
        code = f"exit code {exit_code}" if exit_code is not None else why
        tail = log_tail(job_dir)
        reason = f"terminated abnormally, {code}" + (f"; {refused}" if refused else "")
        if self.launcher.restart(job_id, reason, exit_code, tail):
            log.info("job %s ended without an outcome (%s): restarting", job_id, code)
            self.launcher.notify([job_id])
            return
        message = (
            f"The kernel terminated abnormally ({code}) without sending training_done "
            f"or training_error"
            + (f"; {refused}" if refused else "")
            + "."
            + (f" Last lines of its log:\n{tail}" if tail else "")
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
            self.on_released(job_id)
