"""The Kubernetes executor against a fake API: submit, status, logs, stop and recovery.

No cluster runs here. `FakeCluster` keeps objects as the API server would, and answers
with the `kubernetes` client's own model classes, built from the stored JSON as from a
server's answer; the tests play the scheduler and the kubelet (`run_pod`, `end_pod`).
"""

from __future__ import annotations

import itertools
import json
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("kubernetes", reason="pip install 'vlad[kubernetes]'")

from kubernetes import client  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

from vlad.executors import JobSpec, JobState, RunStatus  # noqa: E402
from vlad.executors.kubernetes.executor import KubernetesExecutor  # noqa: E402
from vlad.executors.kubernetes.manifests import LABEL_JOB  # noqa: E402
from vlad.executors.kubernetes.observe import Observed, observe  # noqa: E402

RUNNING, QUEUED, EXITED = JobState.RUNNING, JobState.QUEUED, JobState.EXITED


def model(kind: str, data: dict[str, Any]) -> Any:
    """`data` as the client's model class, as the client makes it from a server's JSON."""
    cls = getattr(client, kind)
    if hasattr(cls, "from_dict"):
        return cls.from_dict(json.loads(json.dumps(data)))
    return client.ApiClient()._ApiClient__deserialize(data, kind)  # older clients


def selected(labels: dict[str, str], selector: str) -> bool:
    key, _, value = selector.partition("=")
    return key in labels and (not value or labels[key] == value)


class FakeLog:
    """A followed pod log: yields what the pod prints until its container ends."""

    def __init__(self, cluster: FakeCluster, pod: str) -> None:
        self.cluster, self.pod = cluster, pod

    def stream(self) -> Iterator[bytes]:
        sent = 0
        while True:
            with self.cluster.lock:
                chunks = self.cluster.logs.get(self.pod, [])
                new, sent = chunks[sent:], len(chunks)
                over = self.cluster.container_ended(self.pod)
            yield from new
            if over and not new:
                return
            time.sleep(0.01)

    def release_conn(self) -> None:
        pass


class FakeCluster:
    """The BatchV1Api and CoreV1Api calls the executor makes (pass it as both)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.pods: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, dict[str, Any]] = {}
        self.logs: dict[str, list[bytes]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._uids = itertools.count(1)

    # --- BatchV1Api
    def create_namespaced_job(self, namespace: str, body: dict[str, Any]) -> Any:
        model("V1Job", body)  # what the real client checks before sending
        with self.lock:
            name = body["metadata"]["name"]
            if name in self.jobs:
                raise ApiException(status=409, reason="AlreadyExists")
            stored = json.loads(json.dumps(body))
            stored["metadata"] |= {"uid": f"uid-{next(self._uids)}", "creationTimestamp": now()}
            stored["status"] = {}
            self.jobs[name] = stored
            return model("V1Job", stored)

    def read_namespaced_job(self, name: str, namespace: str) -> Any:
        with self.lock:
            if name not in self.jobs:
                raise ApiException(status=404, reason="NotFound")
            return model("V1Job", self.jobs[name])

    def list_namespaced_job(self, namespace: str, label_selector: str = "") -> Any:
        with self.lock:
            items = [
                j for j in self.jobs.values() if selected(j["metadata"].get("labels", {}), label_selector)
            ]
            return model("V1JobList", {"items": items})

    def delete_namespaced_job(self, name: str, namespace: str, **options: Any) -> None:
        with self.lock:
            self.calls.append(("delete_namespaced_job", {"name": name, **options}))
            if self.jobs.pop(name, None) is None:
                raise ApiException(status=404, reason="NotFound")
            for pod in [p for p, body in self.pods.items() if body["job"] == name]:
                self.pods.pop(pod)

    # --- CoreV1Api
    def create_namespaced_secret(self, namespace: str, body: dict[str, Any]) -> None:
        model("V1Secret", body)
        with self.lock:
            if body["metadata"]["name"] in self.secrets:
                raise ApiException(status=409, reason="AlreadyExists")
            self.secrets[body["metadata"]["name"]] = json.loads(json.dumps(body))

    def replace_namespaced_secret(self, name: str, namespace: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.secrets[name] = json.loads(json.dumps(body))

    def patch_namespaced_secret(self, name: str, namespace: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.secrets[name]["metadata"] |= body["metadata"]

    def delete_namespaced_secret(self, name: str, namespace: str) -> None:
        with self.lock:
            if self.secrets.pop(name, None) is None:
                raise ApiException(status=404, reason="NotFound")

    def list_namespaced_pod(self, namespace: str, label_selector: str = "") -> Any:
        with self.lock:
            items = [
                p["body"]
                for p in self.pods.values()
                if selected(p["body"]["metadata"]["labels"], label_selector)
            ]
            return model("V1PodList", {"items": items})

    def delete_collection_namespaced_pod(self, namespace: str, **options: Any) -> None:
        with self.lock:
            self.calls.append(("delete_collection_namespaced_pod", options))
            for name in [
                n
                for n, p in self.pods.items()
                if selected(p["body"]["metadata"]["labels"], options["label_selector"])
            ]:
                self.pods.pop(name)  # as the kubelet does after SIGTERM and the grace period

    def read_namespaced_pod_log(self, name: str, namespace: str, **options: Any) -> Any:
        with self.lock:
            if name not in self.pods:
                raise ApiException(status=404, reason="NotFound")
            if self.pods[name]["body"]["status"]["phase"] == "Pending":
                raise ApiException(status=400, reason="BadRequest")  # container is creating
            if not options.get("follow"):
                return b"".join(self.logs.get(name, [])).decode()
            return FakeLog(self, name)

    # --- the scheduler and the kubelet, played by the tests
    def pod_of(self, job_name: str) -> str:
        with self.lock:
            return next(n for n, p in self.pods.items() if p["job"] == job_name)

    def place_pod(self, job_name: str, phase: str = "Pending") -> str:
        with self.lock:
            template = self.jobs[job_name]["spec"]["template"]
            name = f"{job_name}-{uuid.uuid4().hex[:5]}"
            body = {
                "metadata": {
                    "name": name,
                    "labels": template["metadata"]["labels"],
                    "creationTimestamp": now(),
                },
                "status": {"phase": phase, "containerStatuses": [container_status({"waiting": {}})]},
            }
            self.pods[name] = {"job": job_name, "body": body}
            return name

    def run_pod(self, job_name: str, *lines: str) -> str:
        with self.lock:
            pods = [n for n, p in self.pods.items() if p["job"] == job_name]
            name = pods[0] if pods else self.place_pod(job_name)
            status = self.pods[name]["body"]["status"]
            status["phase"], status["containerStatuses"] = "Running", [container_status({"running": {}})]
            self.logs[name] = [line.encode() + b"\n" for line in lines]
            return name

    def end_pod(self, job_name: str, exit_code: int, *lines: str) -> None:
        with self.lock:
            name = self.pod_of(job_name)
            self.logs[name] += [line.encode() + b"\n" for line in lines]
            status = self.pods[name]["body"]["status"]
            status["phase"] = "Succeeded" if exit_code == 0 else "Failed"
            status["containerStatuses"] = [container_status({"terminated": {"exitCode": exit_code}})]
            condition = "Complete" if exit_code == 0 else "Failed"
            self.jobs[job_name]["status"] = {"conditions": [{"type": condition, "status": "True"}]}

    def container_ended(self, pod: str) -> bool:
        entry = self.pods.get(pod)
        return entry is None or entry["body"]["status"]["phase"] in ("Succeeded", "Failed")


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def container_status(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "kernel",
        "image": "vlad/tiny",
        "imageID": "",
        "ready": True,
        "restartCount": 0,
        "state": state,
    }


@pytest.fixture
def cluster() -> FakeCluster:
    return FakeCluster()


@pytest.fixture
def make_executor(cluster: FakeCluster, tmp_path: Path) -> Iterator[Callable[..., KubernetesExecutor]]:
    made: list[KubernetesExecutor] = []

    def make(**options: Any) -> KubernetesExecutor:
        options = {
            "data_claim": "vlad-data",
            "data_path": str(tmp_path / "data"),
            "active_deadline_seconds": 3600,
            "poll_seconds": 0.02,
            **options,
        }
        executor = KubernetesExecutor(batch_api=cluster, core_api=cluster, **options)
        made.append(executor)
        return executor

    yield make
    for executor in made:
        executor.close()


@pytest.fixture
def make_spec(tmp_path: Path) -> Callable[..., JobSpec]:
    def make(name: str = "model", gpu_count: int = 0, root: Path | None = None) -> JobSpec:
        job_id = f"{name}-{uuid.uuid4().hex[:8]}"
        job_dir = (root or tmp_path / "data") / "jobs" / job_id
        for sub in ("dataset", "output", "temp"):
            (job_dir / sub).mkdir(parents=True)
        (job_dir / "temp" / "scratch.bin").write_bytes(b"x")
        config = job_dir / "vlad_training.json"
        config.write_text(
            json.dumps(
                {"temp_path": str(job_dir / "temp"), "training_config_file": str(job_dir / "model.json")}
            )
        )
        (job_dir / "kernel.log").write_text("vlad: staged 3 files\n")  # the platform's own note
        return JobSpec(
            job_id=job_id,
            command=["python", "-m", "kernel"],
            workdir=job_dir,
            image="vlad/tiny:0.1.0",
            config_path=config,
            job_dir=job_dir,
            temp_path=job_dir / "temp",
            mounts=(job_dir / "dataset", job_dir / "output"),
            gpu_count=gpu_count,
            labels={"vlad.job": job_id, "vlad.project": "project-1"},
        )

    return make


def wait_for(executor: KubernetesExecutor, spec: JobSpec, state: JobState, timeout: float = 5) -> RunStatus:
    deadline = time.monotonic() + timeout
    while (status := executor.status(spec.job_id)).state != state:
        assert time.monotonic() < deadline, f"{spec.job_id} is {status}, not {state}"
        time.sleep(0.01)
    return status


def log_of(spec: JobSpec) -> list[str]:
    return spec.log_path.read_text().splitlines()


def test_submit_creates_a_job_and_its_config_secret(cluster, make_executor, make_spec):
    executor = make_executor()
    spec = make_spec(gpu_count=2)
    assert executor.submit(spec) == RunStatus(QUEUED)
    assert executor.submit(spec) == RunStatus(QUEUED)  # idempotent
    [(name, job)] = cluster.jobs.items()
    assert job["metadata"]["labels"][LABEL_JOB] == spec.job_id
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"] == "vlad/tiny:0.1.0"
    assert container["resources"] == {"requests": {"cpu": "1"}, "limits": {"nvidia.com/gpu": "2"}}
    assert {"name": "VLAD_TRAINING_CONFIG", "value": "/vlad_training.json"} in container["env"]
    assert job["spec"]["backoffLimit"] == 0 and job["spec"]["activeDeadlineSeconds"] == 3600
    assert pod["volumes"][1] == {"name": "data", "persistentVolumeClaim": {"claimName": "vlad-data"}}
    secret = cluster.secrets[name]
    assert secret["stringData"]["vlad_training.json"] == spec.config_path.read_text()
    assert secret["metadata"]["ownerReferences"][0]["uid"] == cluster.jobs[name]["metadata"]["uid"]


def test_a_job_waits_runs_streams_its_log_and_ends(cluster, make_executor, make_spec):
    executor = make_executor()
    spec = make_spec()
    executor.submit(spec)
    name = next(iter(cluster.jobs))
    cluster.place_pod(name)  # unschedulable for now: the scheduler queues it
    time.sleep(0.1)
    assert executor.status(spec.job_id) == RunStatus(QUEUED)
    cluster.run_pod(name, "start", "step 1")
    wait_for(executor, spec, RUNNING)
    follow = executor.logs(spec.job_id, follow=True)
    assert [next(follow) for _ in range(3)] == ["vlad: staged 3 files", "start", "step 1"]
    cluster.end_pod(name, 3, "step 2")
    assert wait_for(executor, spec, EXITED) == RunStatus(EXITED, exit_code=3)
    assert list(follow) == ["step 2"]
    assert log_of(spec) == ["vlad: staged 3 files", "start", "step 1", "step 2"]

    executor.cleanup(spec.job_id)
    assert cluster.jobs == {} and cluster.secrets == {}
    assert list(spec.temp_path.iterdir()) == []
    executor.cleanup(spec.job_id)  # idempotent


@pytest.mark.parametrize("running", [True, False], ids=["running", "queued"])
def test_cancel_deletes_the_pod_with_the_grace_period_then_the_job(
    cluster, make_executor, make_spec, running
):
    executor = make_executor()
    spec = make_spec()
    executor.submit(spec)
    name = next(iter(cluster.jobs))
    if running:
        cluster.run_pod(name, "start")
        wait_for(executor, spec, RUNNING)
    executor.cancel(spec.job_id, grace_seconds=4.2)
    assert wait_for(executor, spec, EXITED) == RunStatus(EXITED, exit_code=-signal.SIGTERM)
    assert cluster.calls == [
        (
            "delete_collection_namespaced_pod",
            {"label_selector": f"vlad.job={spec.job_id}", "grace_period_seconds": 5},
        ),
        (
            "delete_namespaced_job",
            {"name": name, "grace_period_seconds": 5, "propagation_policy": "Background"},
        ),
    ]
    executor.cancel(spec.job_id)  # gone already: no error


def test_a_new_executor_takes_back_jobs_and_learns_how_they_ended(cluster, make_executor, make_spec):
    old = make_executor()
    running, finished, never_created = make_spec("running"), make_spec("finished"), make_spec("never")
    old.submit(running)
    old.submit(finished)
    names = {
        spec.job_id: name
        for name, body in cluster.jobs.items()
        for spec in (running, finished)
        if spec.job_id in body["metadata"]["annotations"].values()
    }
    cluster.run_pod(names[running.job_id], "r1")
    cluster.run_pod(names[finished.job_id], "f1")
    wait_for(old, running, RUNNING)
    wait_for(old, finished, RUNNING)
    old.close()
    cluster.end_pod(names[finished.job_id], 5, "f2")  # while no executor watches
    time.sleep(0.2)  # the old executor's follower copies that line; the new one must not again

    new = make_executor()
    assert new.recover([running, finished, never_created]) == {
        running.job_id: RunStatus(RUNNING),
        finished.job_id: RunStatus(EXITED, exit_code=5),
        never_created.job_id: RunStatus(QUEUED),
    }
    assert log_of(finished) == ["vlad: staged 3 files", "f1", "f2"]
    assert len(cluster.jobs) == 3
    cluster.end_pod(names[running.job_id], 0, "r2")
    assert wait_for(new, running, EXITED) == RunStatus(EXITED, exit_code=0)
    assert log_of(running) == ["vlad: staged 3 files", "r1", "r2"]


def test_a_job_deleted_by_someone_else_ends(cluster, make_executor, make_spec):
    executor = make_executor()
    spec = make_spec()
    executor.submit(spec)
    wait_for(executor, spec, QUEUED)
    cluster.jobs.clear()
    assert wait_for(executor, spec, EXITED) == RunStatus(EXITED, exit_code=-signal.SIGKILL)
    assert log_of(spec)[-1] == "vlad: its Kubernetes Job was deleted by someone else"


@pytest.mark.parametrize(
    ("options", "root", "message"),
    [
        ({"data_claim": None}, None, "needs the data volume: set VLAD_KUBERNETES_DATA_CLAIM"),
        (
            {},
            "elsewhere",
            "which is not under .*/data, where the data volume \\(PersistentVolumeClaim vlad-data\\)",
        ),
    ],
    ids=["no volume", "outside the volume"],
)
def test_refuses_a_job_whose_folders_are_not_on_the_volume(
    make_executor, make_spec, tmp_path, options, root, message
):
    executor = make_executor(**options)
    spec = make_spec(root=tmp_path / root if root else None)
    with pytest.raises(ValueError, match=message):
        executor.submit(spec)
    assert executor.status(spec.job_id) == RunStatus(JobState.UNKNOWN)


def test_a_job_it_does_not_know_is_no_error(make_executor):
    executor = make_executor()
    assert executor.status("no-such-job") == RunStatus(JobState.UNKNOWN)
    assert list(executor.logs("no-such-job", follow=True)) == []
    executor.cancel("no-such-job")
    executor.cleanup("no-such-job")


@dataclass(frozen=True)
class ObserveCase:
    id: str
    conditions: list[dict[str, str]]
    pod: dict[str, Any] | None  # phase and container state
    expected: Observed


def pod_body(phase: str, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "p", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "status": {"phase": phase, "containerStatuses": [container_status(state)]},
    }


OBSERVE_CASES = [
    ObserveCase("no pod yet", [], None, Observed(QUEUED)),
    ObserveCase("pod pending", [], pod_body("Pending", {"waiting": {}}), Observed(QUEUED, pod="p")),
    ObserveCase("pod running", [], pod_body("Running", {"running": {}}), Observed(RUNNING, pod="p")),
    ObserveCase(
        "kernel ended, Job not yet marked",
        [],
        pod_body("Failed", {"terminated": {"exitCode": 7}}),
        Observed(EXITED, 7, "p"),
    ),
    ObserveCase(
        "complete",
        [{"type": "Complete", "status": "True"}],
        pod_body("Succeeded", {"terminated": {"exitCode": 0}}),
        Observed(EXITED, 0, "p"),
    ),
    ObserveCase(
        "failed",
        [{"type": "Failed", "status": "True"}],
        pod_body("Failed", {"terminated": {"exitCode": 3}}),
        Observed(EXITED, 3, "p"),
    ),
    ObserveCase(
        "past its deadline, pod gone",
        [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}],
        None,
        Observed(
            EXITED,
            -signal.SIGTERM,
            None,
            "Kubernetes stopped the job: it ran longer than its activeDeadlineSeconds (60)",
        ),
    ),
]


@pytest.mark.parametrize("case", OBSERVE_CASES, ids=[c.id for c in OBSERVE_CASES])
def test_observe(case: ObserveCase) -> None:
    job = model(
        "V1Job",
        {"spec": {"activeDeadlineSeconds": 60, "template": {}}, "status": {"conditions": case.conditions}},
    )
    pods = [model("V1Pod", case.pod)] if case.pod else []
    assert observe(job, pods) == case.expected


def test_a_forgotten_job_runs_again_under_its_id(cluster, make_executor, make_spec):
    """A restarted attempt (issue 13): the ended Job and its Secret go, a new one of the
    same name runs, and its log goes on in the same file."""
    executor = make_executor()
    spec = make_spec()
    executor.submit(spec)
    name = next(iter(cluster.jobs))
    cluster.run_pod(name, "attempt 1")
    cluster.end_pod(name, 137, "killed")
    assert wait_for(executor, spec, EXITED) == RunStatus(EXITED, exit_code=137)

    executor.forget(spec.job_id)
    assert executor.status(spec.job_id) == RunStatus(JobState.UNKNOWN)
    assert cluster.jobs == {} and cluster.secrets == {}
    executor.submit(spec)
    assert list(cluster.jobs) == [name]
    cluster.run_pod(name, "attempt 2")
    cluster.end_pod(name, 0, "done")
    assert wait_for(executor, spec, EXITED) == RunStatus(EXITED, exit_code=0)
    assert log_of(spec)[-2:] == ["attempt 2", "done"]
