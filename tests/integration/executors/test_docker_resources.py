"""The docker executor on Podman: a job's CPUs and memory bound its container, and its
capacity is the engine's machine (as the engine reports it) unless the settings say."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vlad.devtools.podman import HOST_PYTHON_IMAGE
from vlad.executors import Capacity, JobSpec, JobState
from vlad.executors.docker.container import container_name
from vlad.executors.machine import GIB

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def executor(docker_options: dict[str, Any]) -> Iterator[Any]:
    from vlad.executors.docker.executor import DockerExecutor

    made = DockerExecutor(**docker_options, gpus=["0"])
    yield made
    made.close()


def test_capacity_is_the_engines_machine_unless_the_settings_say(executor, docker_options):
    from vlad.executors.docker.executor import DockerExecutor

    info = executor._client.info()
    assert executor.capacity() == Capacity(
        cpus=float(info["NCPU"]),
        memory_gb=round(info["MemTotal"] / GIB, 2),
        gpus=1,
        where=f"the container engine at {docker_options['base_url']}",
    )
    set_by_hand = DockerExecutor(**docker_options, cpus=64, memory_gb=100)
    try:
        assert (set_by_hand.capacity().cpus, set_by_hand.capacity().memory_gb) == (64, 100)
    finally:
        set_by_hand.close()


def test_the_jobs_cpus_and_memory_bound_its_container(executor, tmp_path: Path):
    job_dir = tmp_path / "job"
    (job_dir / "temp").mkdir(parents=True)
    config = job_dir / "vlad_training.json"
    config.write_text(json.dumps({"temp_path": str(job_dir / "temp")}))
    script = "import os; print(os.environ['OMP_NUM_THREADS'])"
    spec = JobSpec(
        job_id="resources-1",
        command=["python", "-c", script],
        workdir=tmp_path,
        image=HOST_PYTHON_IMAGE,
        config_path=config,
        job_dir=job_dir,
        temp_path=job_dir / "temp",
        cpus=64,  # more than the engine has: all of its CPUs (the engine refuses more)
        memory_gb=0.25,
    )
    executor.submit(spec)
    try:
        deadline = time.monotonic() + 10
        while executor.status(spec.job_id).state != JobState.EXITED and time.monotonic() < deadline:
            time.sleep(0.02)
        assert executor.status(spec.job_id).exit_code == 0
        host = executor._client.api.inspect_container(container_name(spec.job_id))["HostConfig"]
        engine_cpus = executor.capacity().cpus
        assert host["NanoCpus"] == round(engine_cpus * 1e9) and host["Memory"] == GIB // 4
        assert list(executor.logs(spec.job_id)) == [str(int(engine_cpus))]  # its threads too
    finally:
        executor.cleanup(spec.job_id)
