"""A background publisher of status messages that never blocks the training loop.

Messages go to a bounded in-memory buffer; one thread publishes them as persistent
messages with publisher confirms. When the broker is slow and the buffer is full, a new
progress message replaces the newest buffered progress message (consecutive progress
merged); `training_done` and `training_error` are never dropped. A lost connection is
reopened with back-off and every message that was not confirmed is sent again, so a
message can arrive twice but is never lost; each carries a unique AMQP `message_id`
property so the platform can tell a re-send from a new message.

While the broker is away the kernel's log gets one warning line per connection attempt
(pika's own loggers are set to CRITICAL: each failed attempt would otherwise log several
errors and a traceback, and the platform quotes the log's last 20 lines when a job ends
abnormally).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

import pika
import pika.exceptions

from vlad.contract import StatusMessage

log = logging.getLogger("vlad.kernel.publisher")

_RECONNECT_ERRORS = (
    pika.exceptions.AMQPConnectionError,
    pika.exceptions.AMQPChannelError,
    pika.exceptions.StreamLostError,
    ConnectionError,
    OSError,
)


def quiet_pika() -> None:
    """Keep pika's per-attempt errors and tracebacks out of the kernel's log."""
    logging.getLogger("pika").setLevel(logging.CRITICAL)


def describe(exc: BaseException) -> str:
    """One line for a connection error (pika's often have an empty str())."""
    text = str(exc) or "; ".join(str(a) or repr(a) for a in exc.args)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class _Item:
    body: bytes
    terminal: bool
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class StatusPublisher:
    """Publishes `StatusMessage`s to one queue from a background thread."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        queue: str,
        *,
        buffer_size: int = 1000,
        virtual_host: str = "/",
    ) -> None:
        self._params = pika.ConnectionParameters(
            host=host,
            port=port,
            virtual_host=virtual_host,
            credentials=pika.PlainCredentials(user, password),
            heartbeat=30,
            blocked_connection_timeout=60,
            connection_attempts=1,
            socket_timeout=5,
        )
        quiet_pika()
        self.queue = queue
        self.buffer_size = buffer_size
        self._pending: deque[_Item] = deque()
        self._in_flight: list[_Item] = []
        self._cond = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None
        self.merged = 0  # progress messages replaced while the buffer was full
        self.confirmed = 0
        self.reconnects = 0
        self.last_error: str | None = None

    # -- the caller's side: cheap and non-blocking ----------------------------------------------
    def publish(self, message: StatusMessage) -> None:
        """Queue `message` for sending; returns at once."""
        item = _Item(message.to_body(), message.status.is_terminal)
        with self._cond:
            if (
                not item.terminal
                and len(self._pending) + len(self._in_flight) >= self.buffer_size
                and self._pending
                and not self._pending[-1].terminal
            ):
                self._pending[-1] = item
                self.merged += 1
            else:
                self._pending.append(item)
            self._cond.notify()

    def start(self) -> StatusPublisher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="vlad-status-publisher", daemon=True)
            self._thread.start()
        return self

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued message is confirmed by the broker; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._in_flight:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, timeout: float | None = 30.0) -> bool:
        """Flush, then stop the thread. Returns False if some messages could not be sent."""
        flushed = self.flush(timeout)
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        return flushed

    @property
    def backlog(self) -> int:
        with self._cond:
            return len(self._pending) + len(self._in_flight)

    # -- the thread's side ----------------------------------------------------------------------
    def _loop(self) -> None:
        connection = channel = None
        backoff = 0.2
        while True:
            with self._cond:
                if not self._pending and not self._closing:
                    self._cond.wait(timeout=1.0)
                if self._closing and not self._pending:
                    break
            try:
                if connection is None or connection.is_closed:
                    connection, channel = self._connect()
                    backoff = 0.2
                with self._cond:
                    # Taken only once connected, so the buffer bound holds while the broker is away.
                    batch = [self._pending.popleft() for _ in range(min(100, len(self._pending)))]
                    self._in_flight = list(batch)
                if not batch:
                    connection.process_data_events(0)  # idle: answer heartbeats
                    continue
                for item in batch:
                    self._send(channel, item)
                    with self._cond:
                        self._in_flight.remove(item)
                        self.confirmed += 1
                        self._cond.notify_all()
            except _RECONNECT_ERRORS as exc:
                self.last_error = describe(exc)
                log.warning(
                    "status publisher %s the broker at %s:%s (%s); %d message(s) waiting, retrying in %.1fs",
                    "cannot reach" if connection is None else "lost",
                    self._params.host,
                    self._params.port,
                    self.last_error,
                    self.backlog,
                    backoff,
                )
                with self._cond:
                    # Unconfirmed messages go back to the front, in order, to be sent again.
                    self._pending.extendleft(reversed(self._in_flight))
                    self._in_flight = []
                _safe_close(connection)
                connection = channel = None
                self.reconnects += 1
                with self._cond:
                    if self._closing:
                        break
                    self._cond.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        _safe_close(connection)

    def _connect(self):  # type: ignore[no-untyped-def]
        connection = pika.BlockingConnection(self._params)
        channel = connection.channel()
        try:
            channel.queue_declare(self.queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker:
            # The platform declares its queue first; when it has not (a kernel run alone),
            # a plain durable queue keeps the messages rather than losing them.
            channel = connection.channel()
            channel.queue_declare(self.queue, durable=True)
        channel.confirm_delivery()
        return connection, channel

    def _send(self, channel, item: _Item) -> None:  # type: ignore[no-untyped-def]
        channel.basic_publish(
            exchange="",
            routing_key=self.queue,
            body=item.body,
            mandatory=True,
            properties=pika.BasicProperties(
                delivery_mode=pika.DeliveryMode.Persistent,
                content_type="application/json",
                message_id=item.message_id,
                timestamp=int(time.time()),
            ),
        )


def _safe_close(connection) -> None:  # type: ignore[no-untyped-def]
    try:
        if connection is not None and connection.is_open:
            connection.close()
    except Exception:  # noqa: BLE001 - already broken; nothing left to do
        pass
