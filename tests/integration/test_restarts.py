"""Training that survives (issue 13): a kernel killed goes on from its newest checkpoint
under the same job, as its next attempt; the platform killed while a restart is pending
restarts it after its own restart; a person resumes a stopped job."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
from tests.conftest import TINY_KERNEL

from vlad.devtools.platform_process import Api, RunningPlatform, kernel_pid

pytestmark = pytest.mark.broker

SIX_EPOCHS = {"epochs": 6, "seed": 3}


def _wait_for(path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.01)


def _reference_kernel(api: Api) -> str:
    return api.ok("GET", "/kernels", params={"name": "image-classification"})[0]["id"]


def _tiny(api: Api) -> str:
    existing = api.ok("GET", "/kernels", params={"name": "tiny"})
    return (existing[0] if existing else api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)}))["id"]


def _epochs_logged(job_dir: Path) -> list[int]:
    return [int(n) for n in re.findall(r"^epoch (\d+):", (job_dir / "kernel.log").read_text(), re.M)]


def test_a_kernel_killed_in_epoch_4_of_6_resumes_from_epoch_3_and_ends_done(
    api: Api, platform: RunningPlatform
) -> None:
    kernel = _reference_kernel(api)
    body = {"kernel": kernel, "training_datasets": ["digits"], "hyperparameters": SIX_EPOCHS}
    model = api.ok("POST", "/models", json={**body, "name": "resumed-run"})
    job_dir = platform.data_dir / "jobs" / model["id"]
    _wait_for(job_dir / "output" / "save" / "checkpoints" / "3")
    time.sleep(0.2)  # into epoch 4
    os.kill(kernel_pid(job_dir), signal.SIGKILL)

    done = api.wait_job(model["id"], timeout=180)
    assert done["status"] == "done", done["job"]
    job = done["job"]
    assert job["attempt"] == 2
    [ended] = job["attempts"]
    assert ended["then"] == "restarted" and ended["exit_code"] == -9
    assert "exit code -9" in ended["reason"]
    log = (job_dir / "kernel.log").read_text()
    assert "attempt 2: resuming from the checkpoint of step 3" in log
    assert _epochs_logged(job_dir) == [1, 2, 3, 4, 5, 6]  # six epochs in all, not nine
    settings = api.ok("GET", f"/jobs/{model['id']}/settings")["vlad_training.json"]
    assert settings["resume_path"].endswith("/save/checkpoints/3")
    loss = api.ok("GET", f"/jobs/{model['id']}/graphs/loss")
    assert loss["x"] == [1, 2, 3, 4, 5, 6]

    # As good as a run never interrupted, with the same settings and seed.
    whole = api.wait_job(api.ok("POST", "/models", json={**body, "name": "whole-run"})["id"], timeout=180)
    assert whole["status"] == "done", whole["job"]
    resumed_accuracy = api.ok("GET", f"/jobs/{model['id']}/metrics")["accuracy.val_accuracy"]
    whole_accuracy = api.ok("GET", f"/jobs/{whole['id']}/metrics")["accuracy.val_accuracy"]
    assert abs(resumed_accuracy - whole_accuracy) <= 0.01


def test_a_kernel_that_ignores_resume_path_starts_over_and_ends_done(
    api: Api, platform: RunningPlatform
) -> None:
    model = api.ok(
        "POST",
        "/models",
        json={
            "kernel": _tiny(api),
            "training_datasets": ["digits"],
            "hyperparameters": {"steps": 40, "sleep": 0.05},
        },
    )
    job_dir = platform.data_dir / "jobs" / model["id"]
    api.wait_job(model["id"], statuses=("training",), timeout=60)
    os.kill(kernel_pid(job_dir), signal.SIGKILL)
    done = api.wait_job(model["id"], timeout=120)
    assert done["status"] == "done", done["job"]
    assert done["job"]["attempt"] == 2 and done["job"]["step"] == 40
    assert (
        "attempt 2: no checkpoint under save/checkpoints/; the kernel starts over"
        in (job_dir / "kernel.log").read_text()
    )


def test_restarts_end_at_max_restarts_and_every_attempt_is_shown(api: Api) -> None:
    model = api.ok(
        "POST",
        "/models",
        json={
            "kernel": _tiny(api),
            "training_datasets": ["digits"],
            "hyperparameters": {"steps": 5, "exit_at": 2},
            "max_restarts": 1,
        },
    )
    failed = api.wait_job(model["id"], timeout=120)
    assert failed["status"] == "failed"
    job = failed["job"]
    assert job["attempt"] == 2 and job["max_restarts"] == 1
    assert [a["attempt"] for a in job["attempts"]] == [1]
    assert job["attempts"][0]["exit_code"] == job["exit_code"] == 3
    assert job["message"].startswith("The kernel terminated abnormally (exit code 3)")


def test_a_training_error_is_final_unless_the_job_restarts_on_error(api: Api) -> None:
    body = {
        "kernel": _tiny(api),
        "training_datasets": ["digits"],
        "hyperparameters": {"steps": 5, "fail_at": 2},
    }
    final = api.wait_job(api.ok("POST", "/models", json=body)["id"], timeout=120)
    assert final["status"] == "failed" and final["job"]["attempt"] == 1

    again = api.ok("POST", "/models", json={**body, "restart_on_error": True, "max_restarts": 1})
    failed = api.wait_job(again["id"], timeout=120)
    assert failed["status"] == "failed"
    assert failed["job"]["attempt"] == 2
    [first] = failed["job"]["attempts"]
    assert first["reason"].startswith("training_error: ")


def test_a_stopped_job_is_resumed_from_its_last_checkpoint(api: Api, platform: RunningPlatform) -> None:
    body = {"kernel": _reference_kernel(api), "training_datasets": ["digits"], "hyperparameters": SIX_EPOCHS}
    model = api.ok("POST", "/models", json=body)
    job_dir = platform.data_dir / "jobs" / model["id"]
    # Nothing to resume from while it runs.
    assert api.request("POST", f"/jobs/{model['id']}/resume").status_code == 409
    _wait_for(job_dir / "output" / "save" / "checkpoints" / "2")
    api.ok("POST", f"/jobs/{model['id']}/stop")
    stopped = api.wait_job(model["id"], timeout=60)
    assert stopped["status"] == "stopped"

    # Once its kernel has ended (until then a 409 says it is still ending).
    deadline = time.monotonic() + 30
    while (answer := api.request("POST", f"/jobs/{model['id']}/resume")).status_code == 409:
        assert "still ending" in answer.json()["detail"] and time.monotonic() < deadline
        time.sleep(0.2)
    resumed = answer.json()
    assert resumed["status"] == "waiting" and resumed["attempt"] == 2
    done = api.wait_job(model["id"], timeout=180)
    assert done["status"] == "done", done["job"]
    assert done["job"]["attempts"][0]["then"] == "resumed"
    assert "attempt 2: resuming from the checkpoint of step" in (job_dir / "kernel.log").read_text()
    assert api.request("POST", f"/jobs/{model['id']}/resume").status_code == 409  # done: nothing to resume


def test_the_platform_killed_while_a_restart_is_pending_restarts_the_job_after_its_own(
    tmp_path: Path, broker_url: str
) -> None:
    platform = RunningPlatform(tmp_path / "platform", broker_url, extra_env={"VLAD_CPUS": "1"}).start()
    try:
        with platform.client() as api:
            kernel = _tiny(api)
            slow = {"kernel": kernel, "training_datasets": ["digits"]}
            first = api.ok("POST", "/models", json={**slow, "hyperparameters": {"steps": 200, "sleep": 0.05}})
            api.wait_job(first["id"], statuses=("training",), timeout=60)
            # Waits for the one CPU; goes first once it is free.
            second = api.ok(
                "POST",
                "/models",
                json={**slow, "hyperparameters": {"steps": 40, "sleep": 0.1}, "priority": 5},
            )
            os.kill(kernel_pid(platform.data_dir / "jobs" / first["id"]), signal.SIGKILL)
            api.wait_job(second["id"], statuses=("training",), timeout=60)
            pending = api.ok("GET", f"/jobs/{first['id']}")
            assert pending["status"] == "waiting" and pending["attempt"] == 2, pending
        platform.stop(signal.SIGKILL)
        platform.start()
        with platform.client() as api:
            done = api.wait_job(first["id"], timeout=120)
            assert done["status"] == "done", done["job"]
            assert done["job"]["attempt"] == 2
            assert api.wait_job(second["id"], timeout=60)["status"] == "done"
    finally:
        platform.stop()


def test_settings_show_no_resume_path_on_a_first_attempt(api: Api) -> None:
    model = api.ok(
        "POST",
        "/models",
        json={"kernel": _tiny(api), "training_datasets": ["digits"], "hyperparameters": {"steps": 2}},
    )
    api.wait_job(model["id"], timeout=60)
    settings = api.ok("GET", f"/jobs/{model['id']}/settings")["vlad_training.json"]
    assert "resume_path" not in settings


def test_with_preemption_a_higher_priority_job_stops_a_checkpointed_one_which_resumes_later(
    tmp_path: Path, broker_url: str
) -> None:
    env = {"VLAD_CPUS": "1", "VLAD_PREEMPTION": "true"}
    platform = RunningPlatform(tmp_path / "platform", broker_url, extra_env=env).start()
    try:
        with platform.client() as api:
            low = api.ok(
                "POST",
                "/models",
                json={
                    "kernel": _reference_kernel(api),
                    "training_datasets": ["digits"],
                    "hyperparameters": SIX_EPOCHS,
                    "priority": -5,
                    "max_restarts": 0,  # a preemption is not a failure: it does not count
                },
            )
            _wait_for(platform.data_dir / "jobs" / low["id"] / "output" / "save" / "checkpoints" / "1")
            urgent = api.ok(
                "POST",
                "/models",
                json={"kernel": _tiny(api), "training_datasets": ["digits"], "hyperparameters": {"steps": 5}},
            )
            assert api.wait_job(urgent["id"], timeout=60)["status"] == "done"
            done = api.wait_job(low["id"], timeout=180)
            assert done["status"] == "done", done["job"]
            [ended] = done["job"]["attempts"]
            assert ended["then"] == "preempted"
            assert ended["reason"].startswith(f"Preempted by job {urgent['id']} (priority 0)")
            log = (platform.data_dir / "jobs" / low["id"] / "kernel.log").read_text()
            assert "attempt 2: resuming from the checkpoint of step" in log
            assert sorted(set(_epochs_logged(platform.data_dir / "jobs" / low["id"]))) == [1, 2, 3, 4, 5, 6]
    finally:
        platform.stop()
