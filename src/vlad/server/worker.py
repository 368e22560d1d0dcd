"""A platform thread that makes a pass when woken and every `interval` seconds besides
(the scheduler, the searcher)."""

from __future__ import annotations

import abc
import logging
import threading
from typing import Any, Self

log = logging.getLogger("vlad.worker")


class Worker(abc.ABC):
    thread_name = "vlad-worker"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wake(self) -> None:
        """Make a pass now (something changed)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - keep going: the next pass may do better
                log.exception("%s pass failed", self.thread_name)

    @abc.abstractmethod
    def run_once(self) -> Any:
        """One pass."""
