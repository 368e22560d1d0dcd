"""The status queue consumer: batches messages, commits, then acknowledges.

A message is acknowledged only after its effect is committed (acks go out for the whole
batch, `multiple=True`, after the commit). A crash before the ack means redelivery, and
applying a message twice changes nothing twice (see `services.states.apply`). Messages
that are not valid status messages go to the dead-letter queue `<queue>.dead`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

import pika
import pika.exceptions
from pydantic import ValidationError

from vlad.contract import StatusMessage
from vlad.server.db import Database
from vlad.server.ingestion.batch import BatchResult, apply_batch

log = logging.getLogger("vlad.ingestion")


class StatusConsumer:
    def __init__(
        self,
        db: Database,
        broker_url: str,
        queue: str,
        on_applied: Callable[[BatchResult], None] | None = None,
        prefetch: int = 2000,
        batch_size: int = 1000,
        batch_wait: float = 0.02,
    ) -> None:
        self.db, self.url, self.queue = db, broker_url, queue
        self.dead_queue = f"{queue}.dead"
        self.on_applied = on_applied
        self.prefetch, self.batch_size, self.batch_wait = prefetch, batch_size, batch_wait
        self.counts: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    def declare(self, channel) -> None:  # type: ignore[no-untyped-def]
        channel.queue_declare(self.queue, durable=True)
        channel.queue_declare(self.dead_queue, durable=True)

    def start(self) -> StatusConsumer:
        self._thread = threading.Thread(target=self._run, name="vlad-status-consumer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._consume()
            except (pika.exceptions.AMQPError, OSError) as exc:
                self.connected.clear()
                log.warning(
                    "status consumer lost the broker (%s: %s); reconnecting",
                    type(exc).__name__,
                    exc,
                )
                self._stop.wait(1.0)
            except Exception:  # noqa: BLE001 - e.g. the database away: retry, never die
                self.connected.clear()
                log.exception("status consumer failed; retrying")
                self._stop.wait(2.0)

    def _consume(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            self.declare(channel)
            channel.basic_qos(prefetch_count=self.prefetch)
            dead_channel = connection.channel()
            dead_channel.confirm_delivery()
            self.connected.set()
            batch: list[tuple[int, bytes]] = []
            deadline = None
            for method, _props, body in channel.consume(self.queue, inactivity_timeout=self.batch_wait):
                if method is not None:
                    batch.append((method.delivery_tag, body))
                    deadline = deadline or time.monotonic() + self.batch_wait
                if batch and (
                    len(batch) >= self.batch_size or method is None or time.monotonic() >= deadline
                ):
                    self._process(channel, dead_channel, batch)
                    batch, deadline = [], None
                if self._stop.is_set():
                    break
            channel.cancel()
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

    def _process(self, channel, dead_channel, batch: list[tuple[int, bytes]]) -> None:  # type: ignore[no-untyped-def]
        messages = []
        for _tag, body in batch:
            try:
                messages.append(StatusMessage.from_body(body))
            except ValidationError as exc:
                self.counts["invalid"] += 1
                reason = "; ".join(f"{'.'.join(map(str, e['loc'])) or '$'}: {e['msg']}" for e in exc.errors())
                log.warning("dead-lettered an invalid status message: %s", reason[:300])
                dead_channel.basic_publish(
                    "",
                    self.dead_queue,
                    body,
                    pika.BasicProperties(delivery_mode=2, headers={"x-vlad-reason": reason[:1000]}),
                )
        result = apply_batch(self.db, messages) if messages else BatchResult()
        channel.basic_ack(delivery_tag=batch[-1][0], multiple=True)
        self.counts.update(result.counts)
        if self.on_applied is not None and result.changed:
            try:
                self.on_applied(result)
            except Exception:  # noqa: BLE001 - a listener's failure must not stop ingestion
                log.exception("a status listener failed")
