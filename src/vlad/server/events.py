"""Live job events for the UI and the CLI, fanned out to per-client asyncio queues."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class EventBus:
    """Thread-safe publish; each subscriber reads from its own bounded asyncio queue."""

    def __init__(self, max_queue: int = 1000) -> None:
        self._subscribers: dict[asyncio.Queue[dict[str, Any]], tuple[str, asyncio.AbstractEventLoop]] = {}
        self._lock = threading.Lock()
        self.max_queue = max_queue

    def subscribe(self, project_id: str) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self.max_queue)
        with self._lock:
            self._subscribers[queue] = (project_id, asyncio.get_running_loop())
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._subscribers.pop(queue, None)

    def publish(self, project_id: str, event: dict[str, Any]) -> None:
        with self._lock:
            targets = [(q, loop) for q, (p, loop) in self._subscribers.items() if p == project_id]
        for queue, loop in targets:
            loop.call_soon_threadsafe(_offer, queue, event)


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if queue.full():  # a slow client misses old progress, never the newest state
        queue.get_nowait()
    queue.put_nowait(event)
