"""A job whose Ray node is lost runs again under its own id on the node left (issue 13): the
executor forgets the ended job (Ray's record of the submission id included), and the next
attempt is sized to the nodes alive.

Its own cluster, since a node dies here: a head of 1 CPU and a worker of 2, so that a 2-CPU
job can only start on the worker. Runs inside the private network namespace with the rest
of the Ray suite (test_ray_executor.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.executors.test_ray_cluster_resources import job, release, wait_for

from vlad.devtools.raycluster import RAY_ADDRESS, RayTestCluster, ray_tests_inside
from vlad.executors import JobState

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RayTestCluster]:
    if RAY_ADDRESS or not ray_tests_inside():
        pytest.skip("a node is killed here: only on the cluster started inside the private namespace")
    pytest.importorskip("ray.job_submission", reason="pip install 'vlad[ray]'")
    with RayTestCluster(tmp_path / "ray", cpus=2, head_cpus=1) as started:
        yield started


def test_a_job_whose_node_dies_runs_again_under_its_id_on_the_other_node(
    cluster: RayTestCluster, tmp_path: Path
) -> None:
    from vlad.executors.ray.executor import RayExecutor

    executor: Any = RayExecutor(address=cluster.address, grace_seconds=1, poll_seconds=0.2)
    try:
        spec = job(tmp_path, "lost", cpus=2)  # only the worker has 2 CPUs
        executor.submit(spec)
        wait_for(executor, spec, JobState.RUNNING)
        deadline = time.monotonic() + 30
        while list(executor.logs(spec.job_id)) != ["2"]:  # started on the worker (its threads: 2)
            assert time.monotonic() < deadline
            time.sleep(0.1)

        cluster.kill_worker()
        deadline = time.monotonic() + 180
        while executor.status(spec.job_id).state not in (JobState.EXITED, JobState.UNKNOWN):
            assert time.monotonic() < deadline, "the job of the lost node never ended"
            time.sleep(0.5)
        executor.forget(spec.job_id)
        assert executor.status(spec.job_id).state is JobState.UNKNOWN
        deadline = time.monotonic() + 60
        while executor.capacity().cpus != 1:  # the cluster as it is now: the head alone
            assert time.monotonic() < deadline, executor.capacity()
            time.sleep(1)

        executor.submit(spec)  # the next attempt, under the same id
        wait_for(executor, spec, JobState.RUNNING)
        time.sleep(2)  # a kernel that runs a while: Ray copies no log of a reused id ending at once
        release(spec)
        assert wait_for(executor, spec, JobState.EXITED, timeout=120).exit_code == 0
        assert list(executor.logs(spec.job_id))[-1] == "1"  # on the head, sized to its 1 CPU
    finally:
        executor.close()
