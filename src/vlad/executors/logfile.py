"""Reading a job's log file, optionally following it like `tail -f`.

Every executor copies its job's output into `JobSpec.log_path`, so `logs` is the same
for all of them: `LogFileLogs`.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from vlad.executors.base import Executor, JobSpec, JobState

POLL_SECONDS = 0.1


def log_lines(path: Path, ended: Callable[[], bool] | None = None) -> Iterator[str]:
    """The file's lines, without their line ends. With `ended`, keeps following the file
    until `ended()` is true and everything written before then has been read."""
    while not path.exists():  # a queued job has no log yet
        if ended is None or ended():
            return
        time.sleep(POLL_SECONDS)
    with open(path, encoding="utf-8", errors="replace") as f:
        partial, finished = "", False
        while True:
            chunk = f.readline()
            if chunk.endswith("\n"):
                yield (partial + chunk)[:-1]
                partial = ""
                continue
            partial += chunk  # a line still being written
            if ended is None or finished:
                break
            # Asked before one more read, so lines written just before the end are not lost.
            finished = ended()
            if not finished:
                time.sleep(POLL_SECONDS)
        if partial:
            yield partial


class LogFileLogs(Executor):
    """An executor that keeps each job's output in its `spec.log_path` (all of ours do)."""

    @abc.abstractmethod
    def _spec(self, job_id: str) -> JobSpec | None:
        """The spec of a job this executor knows; None for an unknown one."""

    def logs(self, job_id: str, follow: bool = False) -> Iterator[str]:
        spec = self._spec(job_id)
        if spec is None:
            return iter(())

        def ended() -> bool:
            return self.status(job_id).state in (JobState.EXITED, JobState.UNKNOWN)

        return log_lines(spec.log_path, ended if follow else None)
