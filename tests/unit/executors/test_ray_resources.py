"""What the Ray executor asks of the cluster for a job (CPUs, memory, GPUs), and the capacity
it reports to the platform's scheduler: the cluster's resources as Ray reports them, asked
at most every few seconds, never an error when the cluster is down. Ray is faked here; the
contract suite runs the executor on a real cluster (tests/integration/executors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("ray.job_submission", reason="pip install 'vlad[ray]'")

from vlad.executors import Capacity, JobSpec  # noqa: E402
from vlad.executors.machine import GIB  # noqa: E402
from vlad.executors.ray import cluster as ray_cluster  # noqa: E402
from vlad.executors.ray import executor as ray_executor  # noqa: E402
from vlad.executors.ray.executor import RayExecutor  # noqa: E402

ADDRESS = "http://ray-head:8265"
WHERE = f"the Ray cluster at {ADDRESS}"


class FakeClient:
    """The JobSubmissionClient calls a submission makes."""

    def __init__(self, address: str) -> None:
        self.submitted: list[dict[str, Any]] = []

    def submit_job(self, **kwargs: Any) -> str:
        self.submitted.append(kwargs)
        return kwargs["submission_id"]

    def get_job_info(self, job_id: str) -> Any:
        raise RuntimeError(f"Job {job_id} does not exist")


@dataclass
class FakeNodes:
    """`list_nodes` of ray.util.state: each alive node's resources, or an error."""

    nodes: list[dict[str, float]] = field(default_factory=list)
    error: Exception | None = None
    calls: int = 0

    def __call__(self, address: str, **options: Any) -> list[Any]:
        assert address == ADDRESS and options.get("timeout", 30) <= 5
        self.calls += 1
        if self.error is not None:
            raise self.error
        return [SimpleNamespace(resources_total=dict(n)) for n in self.nodes]


TWO_NODES = [
    {"CPU": 4.0, "memory": 8 * GIB, "object_store_memory": GIB},
    {"CPU": 8.0, "GPU": 2.0, "memory": 16 * GIB, "accelerator_type:H100": 1.0},
]


@pytest.fixture
def nodes(monkeypatch: pytest.MonkeyPatch) -> FakeNodes:
    fake = FakeNodes(list(TWO_NODES))
    monkeypatch.setattr(ray_cluster, "list_nodes", fake)
    monkeypatch.setattr(ray_executor, "JobSubmissionClient", FakeClient)
    return fake


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(ray_cluster, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def make_executor(nodes: FakeNodes):
    made: list[RayExecutor] = []

    def make(**options: Any) -> RayExecutor:
        made.append(executor := RayExecutor(ADDRESS, poll_seconds=60, **options))
        return executor

    yield make
    for executor in made:
        executor.close()


def spec(tmp_path: Path, **resources: Any) -> JobSpec:
    return JobSpec(
        job_id="model-1",
        command=["python", "-m", "kernel"],
        workdir=tmp_path,
        image=None,
        config_path=tmp_path / "vlad_training.json",
        job_dir=tmp_path / "job",
        temp_path=tmp_path / "job" / "temp",
        **resources,
    )


@dataclass(frozen=True)
class SubmitCase:
    resources: dict[str, Any]
    expected: dict[str, Any]  # entrypoint_* keywords of submit_job
    autoscaling: bool = False


SUBMIT_CASES = [
    SubmitCase({}, {"entrypoint_num_cpus": 1.0, "entrypoint_num_gpus": None, "entrypoint_memory": None}),
    SubmitCase(
        {"cpus": 2.5, "memory_gb": 1.5, "gpu_count": 2},
        {"entrypoint_num_cpus": 2.5, "entrypoint_num_gpus": 2, "entrypoint_memory": int(1.5 * GIB)},
    ),
    # More than its largest node has: all of that node (it runs alone rather than never).
    SubmitCase(
        {"cpus": 32, "memory_gb": 64},
        {"entrypoint_num_cpus": 8.0, "entrypoint_num_gpus": None, "entrypoint_memory": 16 * GIB},
    ),
    # Autoscaling: a larger node may come; asked as it is.
    SubmitCase(
        {"cpus": 32, "memory_gb": 64},
        {"entrypoint_num_cpus": 32, "entrypoint_num_gpus": None, "entrypoint_memory": 64 * GIB},
        autoscaling=True,
    ),
]


@pytest.mark.parametrize("case", SUBMIT_CASES)
def test_submit_asks_ray_for_the_jobs_cpus_memory_and_gpus(tmp_path, make_executor, case):
    executor = make_executor(autoscaling=case.autoscaling)
    executor.submit(spec(tmp_path, **case.resources))
    [submitted] = executor._client.submitted
    asked = {k: v for k, v in submitted.items() if k.startswith("entrypoint_")}
    assert asked == case.expected
    env = submitted["runtime_env"]["env_vars"]
    threads = str(max(1, int(case.expected["entrypoint_num_cpus"])))  # what it gets
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == threads
    assert "OMP_NUM_THREADS" in submitted["entrypoint"]  # kept through `env -i`


def test_submit_with_the_cluster_down_asks_as_it_is(tmp_path, make_executor, nodes):
    nodes.error = ConnectionError("refused")
    executor = make_executor()
    executor.submit(spec(tmp_path, cpus=32))
    assert executor._client.submitted[0]["entrypoint_num_cpus"] == 32


def test_capacity_is_the_clusters_total(make_executor):
    assert make_executor().capacity() == Capacity(cpus=12.0, memory_gb=24.0, gpus=2, where=WHERE)


def test_capacity_is_asked_at_most_every_few_seconds(make_executor, nodes, clock):
    executor = make_executor()
    first = executor.capacity()
    nodes.nodes.append({"CPU": 4.0, "memory": 8 * GIB})  # a node joins
    clock[0] += 1
    assert executor.capacity() == first and nodes.calls == 1
    clock[0] += 5
    assert executor.capacity().cpus == 16.0 and nodes.calls == 2


def test_a_cluster_that_is_down_answers_its_last_capacity_and_never_raises(make_executor, nodes, clock):
    executor = make_executor()
    known = executor.capacity()
    nodes.error = ConnectionError("connection refused")
    clock[0] += 10
    assert executor.capacity() == known
    clock[0] += 10
    assert executor.capacity() == known and nodes.calls == 3  # asked again after a while


def test_a_cluster_never_reached_counts_nothing(make_executor, nodes):
    nodes.error = RuntimeError("no dashboard")
    assert make_executor().capacity() == Capacity(where=WHERE)


def test_an_autoscaling_cluster_counts_nothing(make_executor, nodes):
    capacity = make_executor(autoscaling=True).capacity()
    assert (capacity.cpus, capacity.memory_gb, capacity.gpus, capacity.jobs) == (None, None, None, None)
    assert capacity.where.startswith(WHERE) and "autoscal" in capacity.where
    assert nodes.calls == 0


def test_a_job_needing_more_gpus_than_any_node_is_refused(tmp_path, make_executor):
    with pytest.raises(ValueError, match="needs 4 GPUs; this executor has 2 on its largest node"):
        make_executor().submit(spec(tmp_path, gpu_count=4))
