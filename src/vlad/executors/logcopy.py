"""Copying a log kept elsewhere (a container's, a Ray job's, a pod's) into the job's log file.

The platform reads a job's log from its file (`JobSpec.log_path`), which may already hold
the platform's own notes (staging) when the kernel starts. So the executor records the
file's size then (`base`, kept with the container, Ray job or Kubernetes Job), and every
copy of the remote log, which starts from the remote log's first byte, appends only what
the file lacks. Copies may overlap (a platform restarted while the old one still copies):
each chunk is checked against the file's size under a lock, so no line is written twice.
Nothing else may write to the file while the kernel runs.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


class LogCopy:
    """One pass over the remote log, from its first byte: `feed` it the chunks in order."""

    def __init__(self, path: Path, base: int) -> None:
        self.path = path
        self.base = base
        self._seen = 0  # bytes of the remote log fed so far

    def feed(self, chunk: bytes) -> None:
        start, self._seen = self._seen, self._seen + len(chunk)
        if not chunk:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            have = os.fstat(log.fileno()).st_size - self.base  # bytes of the remote log there
            if self._seen > have:
                log.write(chunk[max(0, have - start) :])
