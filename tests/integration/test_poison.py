"""One unappliable status message among healthy traffic is dead-lettered alone; a database
that takes nothing is an outage: retried, nothing dead-lettered, no job judged meanwhile.

The platform runs in this process (its consumer and monitor on a real broker, kernels as
real processes) so that a test can make the database refuse what it chooses.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from tests.conftest import TINY_KERNEL

from vlad.server.app import API_PREFIX, create_app
from vlad.server.ingestion import batch
from vlad.server.platform import Platform
from vlad.server.services import datasets, kernels, projects
from vlad.server.settings import Settings

pytestmark = pytest.mark.broker
POISON_STEP = 777_777_777  # valid by the contract; the patched database refuses it


@dataclass
class Live:
    platform: Platform
    client: TestClient
    project_key: str
    kernel_id: str

    def ok(self, method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        response = self.client.request(method, f"{API_PREFIX}{path}", **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def train(self, count: int, **hyperparameters: object) -> list[str]:
        ids = [
            self.ok(
                "POST",
                "/models",
                json={
                    "kernel": self.kernel_id,
                    "training_datasets": ["tiny-data"],
                    "hyperparameters": hyperparameters,
                },
            )["id"]
            for _ in range(count)
        ]
        for job_id in ids:
            self.wait(job_id, ("training",))
        return ids

    def wait(self, job_id: str, statuses=("done", "failed", "stopped"), timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while (body := self.ok("GET", f"/models/{job_id}"))["status"] not in statuses:
            assert time.monotonic() < deadline, f"{job_id} did not reach {statuses}: {body}"
            time.sleep(0.1)
        return body

    def publish(self, bodies: list[bytes]) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.platform.broker_url))
        channel = connection.channel()
        for body in bodies:  # one burst: they share batches with the kernels' own messages
            channel.basic_publish("", self.platform.settings.status_queue, body)
        connection.close()

    def dead_letters(self) -> list[tuple[bytes, str]]:
        connection = pika.BlockingConnection(pika.URLParameters(self.platform.broker_url))
        channel = connection.channel()
        letters = []
        while True:
            method, props, body = channel.basic_get(self.platform.consumer.dead_queue, auto_ack=True)
            if method is None:
                break
            letters.append((body, (props.headers or {}).get("x-vlad-reason", "")))
        connection.close()
        return letters


@pytest.fixture
def live(tmp_path: Path, broker_url: str) -> Iterator[Live]:
    queue = f"vlad-poison-{uuid.uuid4().hex[:10]}"
    # 8 CPUs counted, whatever this machine has: these tests need their 3 or 4 jobs running at once.
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data", executor="local", status_queue=queue, cpus=8, _env_file=None
    )
    platform = Platform(settings, broker_url)
    dataset = tmp_path / "tiny-data"
    (dataset / "train").mkdir(parents=True)
    (dataset / "train" / "a.txt").write_text("a\n")
    with platform.db.session() as session:
        project, token = projects.create_project(session, "default")
        kernel = kernels.register(session, project, path=str(TINY_KERNEL))
        datasets.register(session, project, "tiny-data", "classification", str(dataset))
        key, kernel_id = project.project_key, kernel.id
    platform.start()
    try:
        with TestClient(create_app(platform), headers={"Authorization": f"Bearer {token}"}) as client:
            yield Live(platform, client, key, kernel_id)
    finally:
        platform.stop()
        connection = pika.BlockingConnection(pika.URLParameters(broker_url))
        for name in (queue, f"{queue}.dead"):
            connection.channel().queue_delete(name)
        connection.close()


def _refusing(step: int | None = None, down: threading.Event | None = None):  # type: ignore[no-untyped-def]
    """`states.apply` as the database would behave: refusing one step, or everything while down."""
    real = batch.apply

    def apply(state, message, now):  # type: ignore[no-untyped-def]
        if down is not None and down.is_set():
            raise OperationalError("UPDATE jobs ...", {}, ConnectionRefusedError("the database is down"))
        if message.step == step:
            raise RuntimeError("refused by the test")
        return real(state, message, now)

    return apply


def test_one_unappliable_message_is_dead_lettered_alone(live: Live, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(batch, "apply", _refusing(step=POISON_STEP))
    steps = 40
    ids = live.train(4, steps=steps, sleep=0.05)
    head = {"cmd": "training_status", "project_key": live.project_key, "status": "training_ing"}
    overflow = json.dumps({**head, "model_id": ids[0], "step": 2**64, "percentage": 1}).encode()
    poison = json.dumps({**head, "model_id": ids[0], "step": POISON_STEP, "percentage": 1}).encode()
    healthy = [json.dumps({**head, "model_id": job_id, "step": 1}).encode() for job_id in ids] * 10
    live.publish(healthy[:20] + [overflow, poison] + healthy[20:])

    for job_id in ids:
        body = live.wait(job_id)
        assert body["status"] == "done", body["job"]["message"]
        assert (body["job"]["step"], body["job"]["percentage"]) == (steps, 100)
    letters = dict(live.dead_letters())
    assert set(letters) == {overflow, poison}
    assert letters[overflow].startswith("step: Input should be less than or equal to 9223372036854775807")
    assert letters[poison] == "could not be applied: RuntimeError: refused by the test"
    counts = live.platform.consumer.counts
    assert (counts["invalid"], counts["poison"]) == (1, 1)
    assert counts["stale"] + counts["applied"] >= len(healthy)


def test_a_database_that_takes_nothing_is_an_outage_not_poison(live: Live, monkeypatch: pytest.MonkeyPatch):
    down = threading.Event()
    monkeypatch.setattr(batch, "apply", _refusing(down=down))
    ids = live.train(3, steps=20, sleep=0.05)
    down.set()
    for job_id in ids:  # the kernels end while nothing can be applied
        exit_file = live.platform.settings.jobs_dir / job_id / "exit_code"
        deadline = time.monotonic() + 60
        while not (exit_file.is_file() and exit_file.read_text().strip()):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    for job_id in ids:  # the monitor has seen each exit and judged nothing: it awaits the stream
        deadline = time.monotonic() + 60
        while "its last status is awaited" not in (
            (body := live.ok("GET", f"/models/{job_id}"))["job"]["message"] or ""
        ):
            assert body["status"] == "training", body["job"]["message"]
            assert time.monotonic() < deadline, body
            time.sleep(0.1)
        assert body["status"] == "training", body["job"]["message"]
    down.clear()
    for job_id in ids:
        body = live.wait(job_id, timeout=60)
        assert body["status"] == "done" and body["job"]["message"] is None, body["job"]["message"]
        assert body["job"]["step"] == 20
    assert live.dead_letters() == []
    assert live.platform.consumer.counts["poison"] == 0
