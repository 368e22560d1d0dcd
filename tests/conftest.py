"""Fixtures shared by the whole suite: a real broker, queues, and test data factories."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from vlad.devtools.rabbitmq import DEFAULT_LOCAL_URL, PrivateRabbitMQ, reachable

REPO = Path(__file__).resolve().parent.parent
TINY_KERNEL = REPO / "tests" / "fixtures" / "kernels" / "tiny"
REFERENCE_KERNEL = REPO / "kernels" / "image_classification"


@pytest.fixture(scope="session")
def broker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """$VLAD_BROKER_URL, else the broker on 127.0.0.1:5672, else a private node for the session."""
    url = os.environ.get("VLAD_BROKER_URL")
    if url:
        yield url
    elif reachable(DEFAULT_LOCAL_URL):
        yield DEFAULT_LOCAL_URL
    else:
        with PrivateRabbitMQ(tmp_path_factory.mktemp("rabbitmq")) as node:
            yield node.url


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateRabbitMQ]:
    """A broker of the test's own, which the test may stop and start."""
    with PrivateRabbitMQ(tmp_path / "rabbitmq") as node:
        yield node


class QueueReader:
    """Reads every message of one queue (test side)."""

    def __init__(self, url: str, queue: str) -> None:
        self.url, self.queue = url, queue
        connection = pika.BlockingConnection(pika.URLParameters(url))
        connection.channel().queue_declare(queue, durable=True)
        connection.close()

    def drain(self) -> list[dict]:
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        channel = connection.channel()
        messages = []
        while True:
            method, _props, body = channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                break
            messages.append(json.loads(body))
        channel.queue_delete(self.queue)
        connection.close()
        return messages


@pytest.fixture
def queue_name() -> str:
    return f"vlad-test-{uuid.uuid4().hex[:10]}"
