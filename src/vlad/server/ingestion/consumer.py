"""The status queue consumer: batches messages, commits, then acknowledges.

A message is acknowledged only after its effect is committed (acks go out for the whole
batch, `multiple=True`, after the commit). A crash before the ack means redelivery, and
applying a message twice changes nothing twice (see `services.states.apply`). Messages
that are not valid status messages go to the dead-letter queue `<queue>.dead`, with the
reason in the header `x-vlad-reason`; so does a valid message that the database refuses
(found by splitting its batch, see `batch.isolate`), while the rest of its batch is
applied. A database that takes nothing is an outage: the batch is retried, with back-off.

`drained_at` tells the monitor how far the queue has been read: a time (this process's
`time.monotonic()`) such that every message queued before it has been applied. It advances
when a drain mark, published into the status queue on request (`request_drain_mark`, with
a publisher confirm, so it is queued behind everything queued before), comes back to this
consumer after the batches before it were committed. A quiet queue is not taken as read:
a connection silently gone would look quiet too.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable

import pika
import pika.exceptions
from pydantic import ValidationError

from vlad.contract import StatusMessage
from vlad.server.db import Database
from vlad.server.ingestion.batch import BatchResult, Outage, apply_isolating

MARK_HEADER = "x-vlad-drain-mark"
REASON_HEADER = "x-vlad-reason"
MAX_BACKOFF = 30.0

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
        self.project_counts: dict[str, Counter[str]] = {}  # by project_key, for GET /ingestion
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        self.drained_at: float | None = None  # see the module's docstring
        self._instance = uuid.uuid4().hex
        self._mark_wanted = threading.Event()
        self._mark_out: float | None = None  # when the mark now in the queue was published
        self._backoff = 1.0

    def declare(self, channel) -> None:  # type: ignore[no-untyped-def]
        channel.queue_declare(self.queue, durable=True)
        channel.queue_declare(self.dead_queue, durable=True)

    def request_drain_mark(self) -> None:
        """Ask for `drained_at` to pass the present moment (the monitor waits on it); cheap
        to call on every pass: one mark is in the queue at a time."""
        self._mark_wanted.set()

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
            except Outage as exc:
                self.connected.clear()
                log.warning(
                    "the database takes no status messages (%s); retrying in %.0fs", exc, self._backoff
                )
                self._stop.wait(self._backoff)
                self._backoff = min(self._backoff * 2, MAX_BACKOFF)
            except (pika.exceptions.AMQPError, OSError) as exc:
                self.connected.clear()
                log.warning(
                    "status consumer lost the broker (%s: %s); reconnecting",
                    type(exc).__name__,
                    exc,
                )
                self._stop.wait(1.0)
            except Exception:  # noqa: BLE001 - retry, never die
                self.connected.clear()
                log.exception("status consumer failed; retrying in %.0fs", self._backoff)
                self._stop.wait(self._backoff)
                self._backoff = min(self._backoff * 2, MAX_BACKOFF)

    def _consume(self) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            self.declare(channel)
            channel.basic_qos(prefetch_count=self.prefetch)
            dead_channel = connection.channel()
            dead_channel.confirm_delivery()
            self.connected.set()
            self._mark_out = None  # one published before a reconnect is still counted if it comes back
            batch: list[tuple[int, pika.BasicProperties, bytes]] = []
            deadline = None
            for method, props, body in channel.consume(self.queue, inactivity_timeout=self.batch_wait):
                if method is not None:
                    batch.append((method.delivery_tag, props, body))
                    deadline = deadline or time.monotonic() + self.batch_wait
                if batch and (
                    len(batch) >= self.batch_size
                    or method is None
                    or (deadline is not None and time.monotonic() >= deadline)
                ):
                    self._process(channel, dead_channel, batch)
                    batch, deadline = [], None
                self._publish_mark(dead_channel)
                if self._stop.is_set():
                    break
            channel.cancel()
        finally:
            self.connected.clear()
            if connection.is_open:
                connection.close()

    def _drained(self, moment: float) -> None:
        if self.drained_at is None or moment > self.drained_at:
            self.drained_at = moment

    def _publish_mark(self, dead_channel) -> None:  # type: ignore[no-untyped-def]
        now = time.monotonic()
        if not self._mark_wanted.is_set() or (self._mark_out is not None and now - self._mark_out < 60):
            return  # one mark at a time; one lost (a queue purged) is replaced after a minute
        self._mark_wanted.clear()
        dead_channel.basic_publish(
            "", self.queue, b"", pika.BasicProperties(headers={MARK_HEADER: f"{self._instance}:{now!r}"})
        )
        self._mark_out = now

    def _mark_time(self, props) -> float | None:  # type: ignore[no-untyped-def]
        """The time of one of this consumer's drain marks; None for a status message."""
        mark = (props.headers or {}).get(MARK_HEADER) if props is not None else None
        if not isinstance(mark, str | bytes):
            return None
        instance, _, moment = (mark.decode() if isinstance(mark, bytes) else mark).partition(":")
        try:
            return float(moment) if instance == self._instance else float("-inf")
        except ValueError:
            return float("-inf")

    def _process(self, channel, dead_channel, batch: list[tuple[int, pika.BasicProperties, bytes]]) -> None:  # type: ignore[no-untyped-def]
        messages: list[StatusMessage] = []
        bodies: list[bytes] = []
        dead: list[tuple[bytes, str]] = []
        marks: list[float] = []
        for _tag, props, body in batch:
            mark = self._mark_time(props)
            if mark is not None:
                marks.append(mark)  # another platform's (or an earlier run's) marks: -inf, dropped
                continue
            try:
                messages.append(StatusMessage.from_body(body))
                bodies.append(body)
            except ValidationError as exc:
                self.counts["invalid"] += 1
                reason = "; ".join(f"{'.'.join(map(str, e['loc'])) or '$'}: {e['msg']}" for e in exc.errors())
                log.warning("dead-lettered an invalid status message: %s", reason[:300])
                dead.append((body, reason))
        try:
            result, poison = apply_isolating(self.db, messages)
        except Outage as outage:
            self._applied(outage.applied)
            raise
        for bad in poison:
            self.counts["poison"] += 1
            log.warning("dead-lettered a status message the database refused: %s", bad.error[:300])
            dead.append((bodies[bad.index], f"could not be applied: {bad.error}"))
        for body, reason in dead:
            dead_channel.basic_publish(
                "",
                self.dead_queue,
                body,
                pika.BasicProperties(delivery_mode=2, headers={REASON_HEADER: reason[:1000]}),
            )
        channel.basic_ack(delivery_tag=batch[-1][0], multiple=True)
        self._backoff = 1.0
        if marks and max(marks) > float("-inf"):
            self._drained(max(marks))
            self._mark_out = None
        self._applied(result)

    def _applied(self, result: BatchResult) -> None:
        self.counts.update(result.counts)
        for key, counts in result.by_project.items():
            self.project_counts.setdefault(key, Counter()).update(counts)
        if self.on_applied is not None and result.changed:
            try:
                self.on_applied(result)
            except Exception:  # noqa: BLE001 - a listener's failure must not stop ingestion
                log.exception("a status listener failed")
