"""The broker away when kernels end: no job is judged on a status stream that is behind,
and an outcome the kernel could not deliver still ends its job."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import REPO

from vlad.devtools.platform_process import Api, RunningPlatform
from vlad.devtools.rabbitmq import PrivateRabbitMQ

pytestmark = pytest.mark.broker
GATED = REPO / "tests" / "fixtures" / "kernels" / "gated"
FLUSH_TIMEOUT = 2  # the SDK's, for these kernels: the broker stays away longer
UNDELIVERED = "done; the kernel could not reach the broker for its last status"


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrivateRabbitMQ, RunningPlatform]]:
    """A broker of this module's own, which the tests stop and start, and a platform on it."""
    node = PrivateRabbitMQ(tmp_path_factory.mktemp("rabbitmq")).start()
    platform = RunningPlatform(
        tmp_path_factory.mktemp("platform"), node.url, extra_env={"VLAD_FLUSH_TIMEOUT": str(FLUSH_TIMEOUT)}
    )
    try:
        platform.start()
        yield node, platform
    finally:
        platform.stop()
        node.stop()


def _gated_jobs(api: Api, count: int) -> list[str]:
    """`count` training jobs of the gated kernel, each at its first step, waiting for release."""
    existing = api.ok("GET", "/kernels", params={"name": "gated"})
    kernel = (existing[0] if existing else api.ok("POST", "/kernels", json={"path": str(GATED)}))["id"]
    ids = [
        api.ok(
            "POST",
            "/models",
            json={
                "kernel": kernel,
                "training_datasets": ["digits"],
                "hyperparameters": {"steps": 2},
                "max_restarts": 0,  # the failure itself is under test
            },
        )["id"]
        for _ in range(count)
    ]
    for job_id in ids:
        api.wait_job(job_id, statuses=("training",), timeout=60)
    return ids


def _job_dir(platform: RunningPlatform, job_id: str) -> Path:
    return platform.data_dir / "jobs" / job_id


def _release(platform: RunningPlatform, job_id: str, how: str = "done") -> None:
    (_job_dir(platform, job_id) / "release").write_text(how)


def _wait_exit(platform: RunningPlatform, job_id: str, timeout: float = 60) -> int:
    exit_file = _job_dir(platform, job_id) / "exit_code"  # written by the local executor's supervisor
    deadline = time.monotonic() + timeout
    while not (exit_file.is_file() and exit_file.read_text().strip()):
        assert time.monotonic() < deadline, f"job {job_id} did not exit"
        time.sleep(0.1)
    return int(exit_file.read_text())


def test_a_kernel_that_finishes_while_the_broker_is_down_ends_done(outage):
    node, platform = outage
    with platform.client() as api:
        [job_id] = _gated_jobs(api, 1)
        node.stop()
        try:
            _release(platform, job_id)
            assert _wait_exit(platform, job_id) == 75  # training_done undelivered: left in a file
            body = api.wait_job(job_id, timeout=30)
        finally:
            node.start()
    assert body["status"] == "done", body["job"]["message"]
    assert body["job"]["message"] == UNDELIVERED
    log = (_job_dir(platform, job_id) / "kernel.log").read_text()
    assert "Traceback" not in log and " pika" not in log, log[-3000:]
    assert "status publisher lost the broker" in log or "cannot reach the broker" in log


def test_no_verdict_while_the_status_stream_is_behind(outage):
    node, platform = outage
    assert platform.process is not None
    with platform.client() as api:
        finished, died = _gated_jobs(api, 2)
        # The platform frozen: the kernels end, one with training_done queued, one without a word.
        os.kill(platform.process.pid, signal.SIGSTOP)
        try:
            _release(platform, finished, "done")
            _release(platform, died, "die")
            assert _wait_exit(platform, finished) == 0
            assert _wait_exit(platform, died) == 3
            node.stop()  # training_done stays in the (durable) queue
        finally:
            os.kill(platform.process.pid, signal.SIGCONT)
        try:
            time.sleep(6)  # the monitor sees both exits; 2 s of grace; nothing can be read
            for job_id in (finished, died):
                body = api.ok("GET", f"/models/{job_id}")
                assert body["status"] == "training", body["job"]["message"]
                assert "its last status is awaited" in body["job"]["message"]
        finally:
            node.start()
        done = api.wait_job(finished, timeout=60)
        failed = api.wait_job(died, timeout=60)
    assert done["status"] == "done" and done["job"]["message"] is None, done["job"]["message"]
    assert failed["status"] == "failed"
    assert failed["job"]["message"].startswith("The kernel terminated abnormally (exit code 3)")
