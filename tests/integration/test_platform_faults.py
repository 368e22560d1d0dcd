"""Faults that users meet: a kernel killed, the platform killed while kernels train."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from tests.conftest import TINY_KERNEL

from vlad.devtools.platform_process import Api, RunningPlatform, kernel_pid

pytestmark = pytest.mark.broker


def _register_tiny(api: Api) -> str:
    existing = api.ok("GET", "/kernels", params={"name": "tiny"})
    return (existing[0] if existing else api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)}))["id"]


def test_a_kernel_killed_is_failed_as_terminated_abnormally_within_5_seconds(
    api: Api, platform: RunningPlatform
):
    model = api.ok(
        "POST",
        "/models",
        json={
            "kernel": _register_tiny(api),
            "training_datasets": ["digits"],
            "hyperparameters": {"steps": 10_000, "sleep": 0.02},
            "max_restarts": 0,  # how fast the end is noticed is under test; restarts: test_restarts
        },
    )
    api.wait_job(model["id"], statuses=("training",), timeout=60)
    os.kill(kernel_pid(platform.data_dir / "jobs" / model["id"]), signal.SIGKILL)
    killed_at = time.monotonic()
    failed = api.wait_job(model["id"], timeout=10, statuses=("failed", "done", "stopped"))
    assert time.monotonic() - killed_at < 5
    assert failed["status"] == "failed"
    assert failed["job"]["exit_code"] == -9
    assert failed["job"]["message"].startswith("The kernel terminated abnormally (exit code -9)")


def test_a_platform_killed_and_restarted_loses_no_status(tmp_path: Path, broker_url: str):
    platform = RunningPlatform(tmp_path / "platform", broker_url).start()
    try:
        with platform.client() as api:
            steps = 60
            model = api.ok(
                "POST",
                "/models",
                json={
                    "kernel": _register_tiny(api),
                    "training_datasets": ["digits"],
                    "hyperparameters": {"steps": steps, "sleep": 0.1},
                },
            )
            api.wait_job(model["id"], statuses=("training",), timeout=60)
        platform.stop(signal.SIGKILL)  # the kernel trains on while nobody listens
        time.sleep(2)
        platform.start()
        with platform.client() as api:
            done = api.wait_job(model["id"], timeout=60)
        assert done["status"] == "done", done["job"]["message"]
        assert done["job"]["step"] == steps and done["job"]["percentage"] == 100
    finally:
        platform.stop()
