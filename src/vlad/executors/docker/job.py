"""One job of the docker executor, as this platform process knows it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from vlad.executors.common import ENGINE_KILLED, KILLED
from vlad.executors.tracking import PooledJob


@dataclass
class ContainerJob(PooledJob):
    container_id: str | None = None  # set once its container exists
    log_base: int = 0
    stopping: bool = False  # cancel asked for it
    killed: bool = False  # SIGKILL sent after the grace period
    follower: threading.Thread | None = field(default=None, repr=False)

    def exit_code_of(self, engine_code: int) -> int:
        """The job's exit code from the engine's: our hard kill reads as -9, like the local
        executor's; any other code is the container's own (128 + n after signal n)."""
        return KILLED if self.killed and engine_code == ENGINE_KILLED else engine_code
