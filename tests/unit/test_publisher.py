"""The status publisher's buffer, without a broker: merging and never dropping an outcome."""

from __future__ import annotations

import logging
import time

from vlad.contract import Command, Status, StatusMessage
from vlad.devtools.rabbitmq import free_port
from vlad.kernel import StatusPublisher


def message(status: Status, step: int = 0) -> StatusMessage:
    return StatusMessage(
        cmd=Command.TRAINING,
        project_key="k",
        model_id="m",
        status=status,
        step=step,
        percentage=min(step, 100),
    )


def test_full_buffer_merges_progress_but_keeps_every_outcome():
    publisher = StatusPublisher("127.0.0.1", free_port(), "guest", "guest", "q", buffer_size=50)
    publisher.start()  # nothing listens on that port: everything stays buffered
    for step in range(10_000):
        publisher.publish(message(Status.ING, step))
    publisher.publish(message(Status.ERROR, 10_000))
    for step in range(10_001, 10_100):
        publisher.publish(message(Status.ING, step))
    assert publisher.backlog <= 52
    assert publisher.merged > 9_000
    bodies = [item.body for item in publisher._pending]
    assert sum(b'"training_error"' in b for b in bodies) == 1
    assert b'"step": 10099' in bodies[-1]  # the newest progress wins a merge
    started = time.monotonic()
    assert publisher.close(timeout=0.5) is False  # undeliverable: says so, does not hang
    assert time.monotonic() - started < 8


def test_an_unreachable_broker_logs_one_line_per_attempt_and_no_traceback(caplog):
    caplog.set_level(logging.DEBUG)
    publisher = StatusPublisher("127.0.0.1", free_port(), "guest", "guest", "q").start()
    publisher.publish(message(Status.DONE, 1))
    time.sleep(1.6)  # attempts at 0, 0.2, 0.6, 1.4 s
    publisher.close(timeout=0.1)
    attempts = publisher.reconnects
    assert attempts >= 2
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert all(r.name == "vlad.kernel.publisher" and not r.exc_info for r in noisy), [
        (r.name, r.getMessage()) for r in noisy
    ]
    assert attempts <= len(noisy) <= attempts + 1
    assert "cannot reach the broker" in noisy[0].getMessage()
    assert "Connection refused" in noisy[0].getMessage()
