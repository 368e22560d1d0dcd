"""What every executor shares that is not the interface: exit codes of jobs that could not
report their own, the executor's notes in a job's log, and emptying a job's temp folder.

Standard library only: the local executor's supervisor imports it and must start fast.
"""

from __future__ import annotations

import shutil
import signal
from contextlib import suppress
from pathlib import Path

# A negative exit code reads "as if ended by that signal", as for a killed process.
STOPPED = -signal.SIGTERM  # stopped before it started, or where the kernel's own code is not told
KILLED = -signal.SIGKILL  # killed by the hard kill that ends a stop's grace period
VANISHED = -signal.SIGKILL  # gone without a code: killed unwatched, or removed by someone else
# Shell conventions, so that a log reader recognises them.
CANNOT_EXECUTE = 126  # the kernel's program exists but could not be run
NOT_FOUND = 127  # the kernel's program is missing
CANNOT_START = NOT_FOUND  # its process or container could not be started; its log says why
# A container engine reports a container ended by signal n as 128 + n.
ENGINE_KILLED = 128 + signal.SIGKILL


def note_in_log(path: Path, text: str) -> None:
    """A line of the executor's own in the job's log, for the person reading it. Only once
    no copy of a remote log will follow (vlad.executors.logcopy would count it as the kernel's)."""
    with suppress(OSError), open(path, "a", encoding="utf-8") as log:
        log.write(f"vlad: {text}\n")


def empty_folder(path: Path) -> None:
    """Delete what `path` holds, keeping the folder itself; a missing folder is fine."""
    if not path.is_dir():
        return
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with suppress(FileNotFoundError):
                entry.unlink()
