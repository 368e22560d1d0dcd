"""Ingestion rate: status messages committed and acknowledged per second.

100 simulated kernels' progress messages (round robin over 100 jobs, steps rising) wait
in a queue; the platform's consumer (batch apply, one commit, then one multiple-ack per
batch, SQLite) drains it. Beside it, in the same run and on the same broker, a bare pika
consumer with the same prefetch and ack batching drains the same messages doing nothing
else. Both start on a full queue, so the figure is the consumer's capacity.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from pathlib import Path

import pika

from vlad.devtools.rabbitmq import broker, drop_queue
from vlad.server.db import Database
from vlad.server.ingestion.consumer import StatusConsumer
from vlad.server.models import Job, Kernel, Project

KERNELS = 100
MESSAGES = 50_000
PREFETCH, BATCH = 2000, 1000


def _publish(url: str, queue: str, bodies: list[bytes]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True)
    properties = pika.BasicProperties(delivery_mode=2)
    for body in bodies:
        channel.basic_publish("", queue, body, properties)
    while channel.queue_declare(queue, passive=True).method.message_count < len(bodies):
        connection.sleep(0.05)
    connection.close()


def _bodies(key: str, job_ids: list[str]) -> list[bytes]:
    return [
        json.dumps(
            {
                "cmd": "training_status",
                "project_key": key,
                "model_id": job_ids[i % KERNELS],
                "status": "training_ing",
                "step": i // KERNELS + 1,
                "percentage": 100.0 * (i // KERNELS) / (MESSAGES // KERNELS),
            }
        ).encode()
        for i in range(MESSAGES)
    ]


def bare_rate(url: str, queue: str) -> float:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=PREFETCH)
    started, count = time.perf_counter(), 0
    for method, _props, _body in channel.consume(queue, inactivity_timeout=1.0):
        if method is None:
            break
        count += 1
        if count % BATCH == 0 or count == MESSAGES:
            channel.basic_ack(method.delivery_tag, multiple=True)
        if count == MESSAGES:
            break
    elapsed = time.perf_counter() - started
    channel.cancel()
    connection.close()
    return count / elapsed


def platform_rate(url: str, queue: str, db: Database) -> tuple[float, dict[str, int]]:
    consumer = StatusConsumer(db, url, queue, prefetch=PREFETCH, batch_size=BATCH)
    started = time.perf_counter()
    consumer.start()
    while sum(consumer.counts.values()) < MESSAGES:
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    consumer.stop()
    return MESSAGES / elapsed, dict(consumer.counts)


def _database() -> tuple[Database, str, list[str]]:
    db = Database(f"sqlite:///{Path(tempfile.mkdtemp(prefix='vlad-bench-')) / 'vlad.db'}")
    db.migrate()
    key, job_ids = uuid.uuid4().hex, [f"model-{i:04d}" for i in range(KERNELS)]
    with db.session() as session:
        session.add(Project(id="p", name="bench", project_key=key))
        session.flush()
        session.add(Kernel(id="k", project_id="p", name="k", version="1", manifest={}))
        session.flush()
        session.add_all(
            Job(
                id=j,
                project_id="p",
                operation="training",
                kernel_id="k",
                executor="local",
                status="waiting",
                job_dir="/tmp",
            )
            for j in job_ids
        )
    return db, key, job_ids


def main() -> None:
    db, key, job_ids = _database()
    bodies = _bodies(key, job_ids)
    with broker() as url:
        queue = f"vlad-bench-{uuid.uuid4().hex[:6]}"
        _publish(url, queue + ".bare", bodies)
        bare = bare_rate(url, queue + ".bare")
        _publish(url, queue, bodies)
        ours, counts = platform_rate(url, queue, db)
        for name in (queue, queue + ".bare", queue + ".dead"):
            drop_queue(url, name)
    print(f"bare pika consumer    {bare:9.0f} msg/s  (prefetch {PREFETCH}, ack every {BATCH})")
    print(
        f"platform ingestion    {ours:9.0f} msg/s  ({MESSAGES} messages from {KERNELS} jobs, "
        f"committed to SQLite, then acked; {counts})"
    )
    print(f"ratio                 {100 * ours / bare:9.0f} %     goal: at least 50 %")
