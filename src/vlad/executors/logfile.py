"""Reading a job's log file, optionally following it like `tail -f`.

Every executor copies its job's output into `JobSpec.log_path`, so `logs` is the same
for all of them (`vlad.executors.tracking.TrackingExecutor.logs`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

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
