"""The Ray executor's resources on a real cluster (the `ray_address` fixture's: a head node
and a worker, 2 CPUs each, 2 GPUs on the worker): its capacity is the cluster's total, and
a job's CPUs and memory are asked of Ray, at most what its largest node has.

Runs inside the private network namespace with the contract suite (test_ray_executor.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vlad.executors import JobSpec, JobState

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def executor(ray_options: dict[str, Any]) -> Iterator[Any]:
    from vlad.executors.ray.executor import RayExecutor

    made = RayExecutor(**ray_options)
    yield made
    made.close()


WAIT = """
import os, sys, time
from pathlib import Path
print(os.environ["OMP_NUM_THREADS"], flush=True)
release, deadline = Path(sys.argv[1]), time.monotonic() + 60
while not release.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def job(tmp_path: Path, name: str, **resources: Any) -> JobSpec:
    job_dir = tmp_path / name
    (job_dir / "temp").mkdir(parents=True)
    config = job_dir / "vlad_training.json"
    config.write_text(json.dumps({"temp_path": str(job_dir / "temp")}))
    (tmp_path / "wait.py").write_text(WAIT)
    return JobSpec(
        job_id=f"{name}-{time.time_ns()}",
        command=["python", "wait.py", str(job_dir / "release")],
        workdir=tmp_path,
        image=None,
        config_path=config,
        job_dir=job_dir,
        temp_path=job_dir / "temp",
        **resources,
    )


def release(spec: JobSpec) -> None:
    (spec.job_dir / "release").touch()


def wait_for(executor: Any, spec: JobSpec, state: JobState, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while (status := executor.status(spec.job_id)).state != state:
        assert time.monotonic() < deadline, f"job {spec.job_id} is not {state}: {status}"
        time.sleep(0.1)
    return status


def test_capacity_is_the_clusters_total(executor):
    capacity = executor.capacity()
    assert (capacity.cpus, capacity.gpus, capacity.jobs) == (4.0, 2, None)
    assert capacity.memory_gb is not None and capacity.memory_gb > 0
    assert capacity.where == f"the Ray cluster at {executor.address}"


def test_ray_holds_a_job_until_its_cpus_are_free(executor, tmp_path):
    """Two nodes of 2 CPUs: two 2-CPU jobs take them all, and a third job waits in Ray."""
    a, b = job(tmp_path, "a", cpus=2), job(tmp_path, "b", cpus=2, memory_gb=0.25)
    c = job(tmp_path, "c", cpus=1)
    try:
        for spec in (a, b):
            executor.submit(spec)
        for spec in (a, b):
            wait_for(executor, spec, JobState.RUNNING)
        executor.submit(c)
        time.sleep(2)  # time enough for Ray to start it, were it wrong to
        assert executor.status(c.job_id).state == JobState.QUEUED
        release(a)
        assert wait_for(executor, a, JobState.EXITED).exit_code == 0
        release(c)
        assert wait_for(executor, c, JobState.EXITED).exit_code == 0
        assert list(executor.logs(a.job_id)) == ["2"] and list(executor.logs(c.job_id)) == ["1"]
    finally:
        for spec in (a, b, c):
            release(spec)
        for spec in (a, b, c):
            wait_for(executor, spec, JobState.EXITED)


def test_a_job_larger_than_any_node_gets_all_of_one(executor, tmp_path):
    spec = job(tmp_path, "large", cpus=16, memory_gb=10_000)  # else it would be pending forever
    release(spec)
    executor.submit(spec)
    assert wait_for(executor, spec, JobState.EXITED).exit_code == 0
    assert list(executor.logs(spec.job_id)) == ["2"]  # its thread pools sized to that node
