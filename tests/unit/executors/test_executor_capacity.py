"""What each executor tells the platform's scheduler it can run at once (`Executor.capacity`),
and how this machine's CPUs and memory are read."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from vlad.executors import Capacity, JobSpec, JobState
from vlad.executors.local.executor import LocalProcessExecutor
from vlad.executors.machine import GIB, cgroup_cpus, cgroup_memory_bytes, usable_cpus, usable_memory_gb
from vlad.server.settings import Settings


@pytest.fixture
def local():
    made: list[LocalProcessExecutor] = []

    def make(**options) -> LocalProcessExecutor:
        made.append(executor := LocalProcessExecutor(**options))
        return executor

    yield make
    for executor in made:
        executor.close()


def test_local_capacity_is_this_machine_by_default(local):
    capacity = local(gpus=["0", "1", "2"]).capacity()
    assert capacity.cpus == usable_cpus() and capacity.cpus <= len(os.sched_getaffinity(0))
    assert capacity.memory_gb == usable_memory_gb()
    assert capacity.memory_gb is not None and 0 < capacity.memory_gb * GIB <= os.sysconf("SC_PHYS_PAGES") * (
        os.sysconf("SC_PAGE_SIZE")
    )
    assert (capacity.gpus, capacity.jobs, capacity.where) == (3, None, "this machine")


def test_local_capacity_follows_the_settings(local, tmp_path):
    settings = Settings(data_dir=tmp_path, gpus=["0"], cpus=6, memory_gb=12.5, _env_file=None)  # type: ignore[call-arg]
    executor = LocalProcessExecutor.from_settings(settings.model_dump())
    try:
        assert executor.capacity() == Capacity(cpus=6, memory_gb=12.5, gpus=1, where="this machine")
    finally:
        executor.close()
    assert local(cpus=0.5).capacity().memory_gb == usable_memory_gb()  # one bound given, the other read


@dataclass(frozen=True)
class CgroupCase:
    cpu_max: str | None  # the file's text; None: no file (no quota, or cgroup v1)
    memory_max: str | None
    cpus: float | None
    memory: int | None


CGROUP_CASES = [
    CgroupCase("max 100000\n", "max\n", None, None),
    CgroupCase("250000 100000\n", "2147483648\n", 2.5, 2 * GIB),
    CgroupCase(None, None, None, None),
    CgroupCase("garbage", "garbage", None, None),
]


@pytest.mark.parametrize("case", CGROUP_CASES)
def test_cgroup_limits_are_read(tmp_path: Path, case: CgroupCase) -> None:
    for name, text in (("cpu.max", case.cpu_max), ("memory.max", case.memory_max)):
        if text is not None:
            (tmp_path / name).write_text(text)
    assert cgroup_cpus(tmp_path) == case.cpus
    assert cgroup_memory_bytes(tmp_path) == case.memory


def test_a_cgroup_bounds_what_the_machine_offers(tmp_path: Path) -> None:
    (tmp_path / "cpu.max").write_text("50000 100000\n")  # half a CPU
    (tmp_path / "memory.max").write_text(f"{GIB // 2}\n")
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "meminfo").write_text("MemTotal:       16303292 kB\nMemFree:         1000 kB\n")
    assert usable_cpus(cgroup=tmp_path) == 0.5
    assert usable_memory_gb(proc=proc, cgroup=tmp_path) == 0.5
    (tmp_path / "memory.max").write_text("max\n")
    assert usable_memory_gb(proc=proc, cgroup=tmp_path) == round(16303292 * 1024 / GIB, 2)


def test_kubernetes_counts_only_jobs_in_flight(tmp_path):
    pytest.importorskip("kubernetes", reason="pip install 'vlad[kubernetes]'")
    from vlad.executors.kubernetes.executor import KubernetesExecutor

    settings = Settings(data_dir=tmp_path, kubernetes_max_jobs=4, _env_file=None)  # type: ignore[call-arg]
    options = KubernetesExecutor.options_from(settings.model_dump())
    assert options["max_jobs"] == 4
    capped = KubernetesExecutor(**options, batch_api=object(), core_api=object(), poll_seconds=None)
    assert capped.capacity() == Capacity(jobs=4, where="Kubernetes namespace default")
    free = KubernetesExecutor(batch_api=object(), core_api=object(), poll_seconds=None)
    assert free.capacity() == Capacity(where="Kubernetes namespace default")


def test_a_local_job_asking_more_cpus_than_there_are_gets_threads_for_all(local, tmp_path):
    executor = local(cpus=3)
    job_dir = tmp_path / "job"
    job = JobSpec(
        job_id="greedy",
        command=[sys.executable, "-c", "import os; print(os.environ['OMP_NUM_THREADS'])"],
        workdir=tmp_path,
        image=None,
        config_path=tmp_path / "vlad_training.json",
        job_dir=job_dir,
        temp_path=job_dir / "temp",
        cpus=64,
    )
    executor.submit(job)
    deadline = time.monotonic() + 10
    while executor.status(job.job_id).state != JobState.EXITED and time.monotonic() < deadline:
        time.sleep(0.02)
    assert executor.status(job.job_id).exit_code == 0
    assert list(executor.logs(job.job_id)) == ["3"]
