"""One job of the container executor, as this platform process knows it."""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass, field

from vlad.executors.base import JobSpec

CANCELLED_WHILE_QUEUED = -signal.SIGTERM
CANNOT_START = 127  # the container could not be created or started; its log says why
# An engine reports a container ended by a signal as 128 + the signal's number.
KILLED_CODE = 128 + signal.SIGKILL


@dataclass
class ContainerJob:
    spec: JobSpec
    gpus: tuple[str, ...] | None = None  # None while it waits for GPUs
    container_id: str | None = None  # set once its container exists
    log_base: int = 0
    exit_code: int | None = None  # set once it has ended and its log is copied
    stopping: bool = False  # cancel asked for it
    killed: bool = False  # SIGKILL sent after the grace period
    follower: threading.Thread | None = field(default=None, repr=False)

    @property
    def ended(self) -> bool:
        return self.exit_code is not None

    @property
    def started(self) -> bool:
        return self.gpus is not None

    def exit_code_of(self, engine_code: int) -> int:
        """The job's exit code from the engine's: our hard kill reads as -9, like the local
        executor's; any other code is the container's own (128 + n after signal n)."""
        return -signal.SIGKILL if self.killed and engine_code == KILLED_CODE else engine_code
