"""Jobs beyond a cluster's capacity wait in the platform's queue, with a reason, instead of
piling up pending in the cluster; the scheduler hands over only what fits (in-process
platform, a cluster executor that records what it is handed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from tests.integration.inprocess import LocalApi, local_api

from vlad.executors import Capacity, Executor, JobSpec, JobState, RunStatus
from vlad.server.models import Job


class RecordingCluster(Executor):
    """A cluster of 2 CPUs and 1 GPU that runs whatever it is handed (and says so)."""

    name = "ray"

    def __init__(self) -> None:
        self.handed: list[str] = []

    def capacity(self) -> Capacity:
        return Capacity(cpus=2, gpus=1, where="Ray cluster at http://ray:8265")

    def submit(self, spec: JobSpec) -> RunStatus:
        self.handed.append(spec.job_id)
        return RunStatus(JobState.RUNNING)

    def status(self, job_id: str) -> RunStatus:
        return RunStatus(JobState.RUNNING if job_id in self.handed else JobState.UNKNOWN)

    def logs(self, job_id: str, follow: bool = False) -> Iterator[str]:
        return iter(())

    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None: ...

    def cleanup(self, job_id: str) -> None: ...

    def recover(self, specs: list[JobSpec]) -> dict[str, RunStatus]:
        return {}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LocalApi]:
    with local_api(tmp_path) as api:
        yield api


def submit(api: LocalApi, executor: str = "ray", **fields: object) -> str:
    response = api.request(
        "POST",
        "/models",
        json={"kernel": "tiny", "training_datasets": ["tiny-data"], "gpu_count": 0, **fields},
    )
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    platform = api.platform
    with platform.db.session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(executor=executor))
    assert platform.launcher.prepare_job(job_id)
    return job_id


def test_jobs_beyond_the_cluster_wait_here_with_a_reason(api: LocalApi) -> None:
    cluster = RecordingCluster()
    api.platform.executors["ray"] = cluster
    first, second, third = (submit(api) for _ in range(3))
    gpu_job = submit(api, gpu_count=1, cpus=0.5)
    result = api.platform.scheduler.run_once()
    api.platform.scheduler.stop()  # waits for the hand-overs
    assert result.placed == [first, second]
    assert sorted(cluster.handed) == sorted([first, second])
    waiting = api.request("GET", f"/jobs/{third}").json()
    assert waiting["placed_at"] is None
    assert waiting["queue_position"] == 1
    assert waiting["wait_reason"] == "needs 1 CPU, 0 free on Ray cluster at http://ray:8265; 0 jobs ahead"
    gpu = api.request("GET", f"/jobs/{gpu_job}").json()
    assert gpu["wait_reason"].startswith("needs 0.5 CPUs, 0 free")
    queue = api.request("GET", "/queue").json()
    ray = next(e for e in queue["executors"] if e["name"] == "ray")
    assert ray["used"] == {"cpus": 2.0, "memory_gb": 0.0, "gpus": 0, "jobs": 2}
    assert ray["capacity"]["cpus"] == 2 and ray["waiting"] == 2
    assert [j["id"] for j in queue["jobs"] if j["state"] == "waiting"] == [third, gpu_job]


def test_an_unavailable_executor_is_a_reason_not_an_error(api: LocalApi) -> None:
    job_id = submit(api, executor="nowhere")
    api.platform.scheduler.run_once()
    shown = api.request("GET", f"/jobs/{job_id}").json()
    assert shown["placed_at"] is None
    assert shown["wait_reason"].startswith("executor nowhere is unavailable: ")


def test_a_job_being_prepared_says_so(api: LocalApi) -> None:
    response = api.request("POST", "/models", json={"kernel": "tiny", "training_datasets": ["tiny-data"]})
    job_id = response.json()["id"]
    api.platform.scheduler.run_once()
    shown = api.request("GET", f"/jobs/{job_id}").json()
    assert shown["wait_reason"].startswith("preparing")
    assert shown["queue_position"] is None


def test_resources_come_from_the_request_then_the_manifest(api: LocalApi) -> None:
    default = api.request(
        "POST", "/models", json={"kernel": "tiny", "training_datasets": ["tiny-data"]}
    ).json()
    asked = api.request(
        "POST",
        "/models",
        json={
            "kernel": "tiny",
            "training_datasets": ["tiny-data"],
            "cpus": 2,
            "memory_gb": 3,
            "priority": -4,
        },
    ).json()
    assert (default["job"]["cpus"], default["job"]["memory_gb"]) == (1.0, None)
    assert (asked["job"]["cpus"], asked["job"]["memory_gb"], asked["job"]["priority"]) == (2.0, 3.0, -4)
    refused = api.request(
        "POST", "/models", json={"kernel": "tiny", "training_datasets": ["tiny-data"], "cpus": 0}
    )
    assert refused.status_code == 422
