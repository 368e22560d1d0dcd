"""Transfer progress as lines of a job's log: at most one a second, and always the last."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def size(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def log_writer(path: Path) -> Callable[[str], None]:
    """Appends `vlad: <text>` lines to a job's log, as the executor's own notes are."""

    def write(text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"vlad: {text}\n")

    return write


class TransferLog:
    """A `Progress` callback that writes `<verb> <what>: n/N files, x/Y MB` lines."""

    def __init__(self, write: Callable[[str], None], verb: str, what: str, every: float = 1.0) -> None:
        self.write, self.verb, self.what, self.every = write, verb, what, every
        self.started = time.monotonic()
        self._last = 0.0

    def __call__(self, files: int, total_files: int, done: int, total: int) -> None:
        now = time.monotonic()
        last = files == total_files
        if not last and now - self._last < self.every:
            return
        self._last = now
        line = f"{self.verb} {self.what}: {files}/{total_files} files, {size(done)} of {size(total)}"
        if last:
            line += f", in {now - self.started:.1f} s"
        self.write(line)
