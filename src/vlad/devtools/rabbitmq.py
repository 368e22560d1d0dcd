"""RabbitMQ for tests, benchmarks and `vlad kernel run`: the platform's private node and
`broker()` (`vlad.server.broker`), and what only tests need."""

from __future__ import annotations

from vlad.server.broker import (
    DEFAULT_LOCAL_URL,
    RABBITMQ_BIN,
    PrivateRabbitMQ,
    broker,
    free_port,
    install_rabbitmq,
    port_open,
    reachable,
)

__all__ = [
    "DEFAULT_LOCAL_URL",
    "RABBITMQ_BIN",
    "PrivateRabbitMQ",
    "broker",
    "drop_queue",
    "free_port",
    "install_rabbitmq",
    "port_open",
    "reachable",
]


def drop_queue(url: str, queue: str) -> None:
    """Delete `queue` (a benchmark's leftovers)."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    connection.channel().queue_delete(queue)
    connection.close()
