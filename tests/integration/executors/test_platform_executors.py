"""The executor is chosen per platform (VLAD_EXECUTOR) and may be overridden per kernel.

A platform whose executor is `docker` (Podman here) runs the tiny kernel in a container,
through the broker to `done`, and removes the container afterwards; a copy of the kernel
registered with `executor: local` runs as a local process on the same platform.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import TINY_KERNEL

from vlad.devtools.platform_process import Api, RunningPlatform
from vlad.devtools.podman import HOST_PYTHON_IMAGE, PodmanService

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]
TINY_IMAGE = "vlad/tiny:0.1.0"  # the tiny kernel's manifest names it


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
    broker_url: str,
    podman_service: PodmanService,
    docker_options: dict[str, Any],
) -> Iterator[RunningPlatform]:
    podman_service.podman("tag", HOST_PYTHON_IMAGE, TINY_IMAGE)
    env = {
        "VLAD_EXECUTOR": "docker",
        "VLAD_DOCKER_BASE_URL": docker_options["base_url"],
        "VLAD_DOCKER_EXTRA_MOUNTS": ",".join(docker_options["extra_mounts"]),
        "VLAD_DOCKER_USE_MANIFEST_COMMAND": "true",
    }
    running = RunningPlatform(tmp_path_factory.mktemp("platform-docker"), broker_url, extra_env=env).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(platform: RunningPlatform) -> Iterator[Api]:
    with platform.client() as client:
        yield client


@pytest.fixture(scope="module")
def kernels(api: Api, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The tiny kernel, on the platform's executor; a copy of it named tiny-local, on `local`."""
    local = tmp_path_factory.mktemp("kernels") / "tiny-local"
    shutil.copytree(TINY_KERNEL, local)
    manifest = json.loads((local / "kernel.json").read_text())
    (local / "kernel.json").write_text(json.dumps({**manifest, "name": "tiny-local"}))
    in_container = api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})
    on_host = api.ok("POST", "/kernels", json={"path": str(local), "executor": "local"})
    return {"docker": in_container["id"], "local": on_host["id"]}


def train(api: Api, kernel: str, **hyperparameters: Any) -> dict[str, Any]:
    body = {
        "kernel": kernel,
        "training_datasets": ["digits"],
        "hyperparameters": {"steps": 5, **hyperparameters},
    }
    return api.ok("POST", "/models", json=body)


def container_events(podman: PodmanService, job_id: str) -> list[str]:
    out = podman.podman(
        "events", "--stream=false", "--filter", f"label=vlad.job={job_id}", "--format", "{{.Status}}"
    )
    return out.split()


@pytest.mark.parametrize("executor", ["docker", "local"])
def test_the_platforms_executor_or_the_kernels_own_runs_the_job(
    api, kernels, platform, podman_service, executor
):
    model = train(api, kernels[executor])
    done = api.wait_job(model["id"], timeout=60)
    assert done["status"] == "done", done["job"]["message"]
    job = api.ok("GET", f"/jobs/{model['id']}")
    assert job["executor"] == executor
    job_dir = Path(platform.data_dir) / "jobs" / model["id"]
    assert (job_dir / "output" / "model.txt").read_text() == "counted to 5\n"
    assert (job_dir / "executor.json").exists() == (executor == "local")  # the local executor's record
    if executor == "docker":
        api.wait_for(
            f"/jobs/{model['id']}",
            lambda _: "remove" in container_events(podman_service, model["id"]),
            timeout=10,
        )
        assert {"create", "start", "died", "remove"} <= set(container_events(podman_service, model["id"]))


def test_a_container_that_dies_without_a_word_is_failed_with_its_exit_code(api, kernels):
    model = train(api, kernels["docker"], exit_at=2)
    failed = api.wait_job(model["id"], timeout=60)
    assert failed["status"] == "failed"
    assert failed["job"]["exit_code"] == 3
    assert failed["job"]["message"].startswith("The kernel terminated abnormally (exit code 3)")
    # Restarted under the same id twice: a container of that name each time, the last removed.
    assert failed["job"]["attempt"] == 3
    assert [a["exit_code"] for a in failed["job"]["attempts"]] == [3, 3]


def test_stopping_a_job_stops_its_container(api, kernels, podman_service):
    model = train(api, kernels["docker"], steps=100_000, sleep=0.01)
    api.wait_job(model["id"], statuses=("training",), timeout=60)
    api.ok("POST", f"/jobs/{model['id']}/stop")
    stopped = api.wait_job(model["id"], timeout=30)
    assert stopped["status"] == "stopped"
    api.wait_for(
        f"/jobs/{model['id']}",
        lambda _: "remove" in container_events(podman_service, model["id"]),
        timeout=30,
    )


def test_the_scheduler_runs_no_more_containers_than_the_engine_has_cpus(api, kernels):
    runs = 4
    experiment = api.ok(
        "POST",
        "/experiments",
        json={
            "name": "docker-capacity",
            "base": {"kernel": kernels["docker"], "training_datasets": ["digits"]},
            "runs": [{"steps": 6, "sleep": 0.2} for _ in range(runs)],
        },
    )
    ids = {run["model"]["id"] for run in experiment["runs"]}
    most, reasons, capacity = 0, set(), None
    while True:
        queue = api.ok("GET", "/queue")
        capacity = next(e for e in queue["executors"] if e["name"] == "docker")["capacity"]["cpus"]
        ours = [j for j in queue["jobs"] if j["id"] in ids]
        if not ours:
            break
        most = max(most, sum(j["state"] in ("starting", "running") for j in ours))
        reasons |= {j["wait_reason"] for j in ours if j["wait_reason"]}
    assert capacity is not None and most <= capacity
    if capacity < runs:
        assert any(r.startswith("needs 1 CPU, 0 free on the container engine") for r in reasons), reasons
    finished = api.ok("GET", f"/experiments/{experiment['id']}")
    assert finished["status_counts"] == {"done": runs}
