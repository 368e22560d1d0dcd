"""`vlad kernel run`: one job of a kernel on this machine, with no platform.

The run itself is `vlad.conformance.runner` (the platform's checker uses it too); here it
gets what a person at a terminal needs: a broker started for it when none is given, and a
progress bar.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

from vlad.conformance.runner import KernelRun as _KernelRun
from vlad.conformance.runner import Outcome, RunError, kernel_argv
from vlad.contract import Status
from vlad.devtools.rabbitmq import broker

__all__ = ["KernelRun", "Outcome", "RunError", "kernel_argv"]


class KernelRun(_KernelRun):
    def execute(  # type: ignore[override]
        self,
        broker_url: str | None = None,
        on_message: Callable[[dict[str, Any]], None] | None = None,
        progress: bool = False,
        on_tick: Callable[[subprocess.Popen[bytes]], None] | None = None,
    ) -> Outcome:
        """Run the kernel to its end, on a broker of its own when `broker_url` is None.
        `on_tick(process)` is called about every 50 ms while it runs (to signal it, or to
        kill it past a deadline); with `progress`, a bar shows the valid messages and
        `on_message` sees only the others."""
        bar = _ProgressBar() if progress else None

        def seen(message: dict[str, Any]) -> None:
            if bar is not None and not message.get("invalid"):
                bar.update(message)
            elif on_message is not None:
                on_message(message)

        try:
            with broker(broker_url, data_dir=None) as url:
                return super().execute(url, on_message=seen, on_tick=on_tick)
        finally:
            if bar is not None:
                bar.close()


class _ProgressBar:
    def __init__(self) -> None:
        from rich.progress import Progress

        self._progress = Progress()
        self._progress.start()
        self._task = self._progress.add_task("waiting for the kernel", total=100)

    def update(self, message: dict[str, Any]) -> None:
        status = Status(message["status"]).canonical
        if status is Status.ING:
            self._progress.update(
                self._task,
                completed=message.get("percentage", 0),
                description=f"step {message.get('step', 0)}",
            )
        elif status is Status.DONE:
            self._progress.update(self._task, completed=100, description="done")
        else:
            self._progress.update(self._task, description=f"error: {message.get('message')}")

    def close(self) -> None:
        self._progress.stop()
