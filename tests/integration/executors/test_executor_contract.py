"""The executor contract, one suite for every executor (add yours to PROFILES).

Kernels here are throwaway Python scripts written into tmp_path: the executor contract
needs no broker. Every job a test starts is stopped at teardown. Where executors may
differ (a cluster schedules its own GPUs; Ray does not report a stopped kernel's exit
code), a `Profile` says how, and the tests expect that.
"""

from __future__ import annotations

import json
import pickle
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from vlad.devtools.podman import HOST_PYTHON_IMAGE
from vlad.devtools.raycluster import RAY_ADDRESS, ray_tests_inside
from vlad.executors import Executor, JobSpec, JobState, RunStatus, create_executor

pytestmark = pytest.mark.timeout(120)


@dataclass(frozen=True)
class Profile:
    """How one executor meets the contract where executors may differ."""

    name: str
    options_fixture: str | None = None  # a fixture giving the options every executor gets
    image: str | None = None  # the image jobs run in (container executors)
    gpu_pool: bool = True  # hands out the `gpus` it is given, FIFO; else the cluster schedules GPUs
    renumbers_gpus: bool = False  # the kernel sees its GPUs as 0..n-1 (a container sees only its own)
    stop_codes: bool = True  # reports a stopped kernel's own exit code; else -15 (Ray)
    queued_first: bool = False  # a submitted job is QUEUED until the cluster starts it
    timeout: float = 5.0  # how long a job may take to start or end here


PROFILES = {
    "local": Profile("local"),
    "docker": Profile("docker", "docker_options", image=HOST_PYTHON_IMAGE, renumbers_gpus=True),
    "ray": Profile("ray", "ray_options", gpu_pool=False, stop_codes=False, queued_first=True, timeout=30.0),
}
# Ray's run in a pytest of their own inside a private network namespace (test_ray_executor.py),
# or here against a cluster of your own ($VLAD_TEST_RAY_ADDRESS).
EXECUTORS = ["ray"] if ray_tests_inside() else ["local", "docker"] + ["ray"] * bool(RAY_ADDRESS)
RUNNING, QUEUED, EXITED = JobState.RUNNING, JobState.QUEUED, JobState.EXITED
ENDED = (JobState.EXITED, JobState.UNKNOWN)
# Driven by environment variables so that one script serves every case.
KERNEL = """
import json, os, signal, sys, time
from pathlib import Path

env = os.environ
def say(text):
    print(text, flush=True)

def save(signum, frame):
    say("saved")
    sys.exit(143)

if env.get("KERNEL_ON_TERM") == "save":
    signal.signal(signal.SIGTERM, save)
elif env.get("KERNEL_ON_TERM") == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
config = json.loads(Path(env["VLAD_TRAINING_CONFIG"]).read_text())
say(f"start {os.getpid()}")
say("CUDA_VISIBLE_DEVICES=" + env.get("CUDA_VISIBLE_DEVICES", "<unset>"))
for name in filter(None, env.get("KERNEL_SHOW", "").split(",")):
    say(f"{name}=" + env.get(name, "<unset>"))
for i in range(int(env.get("KERNEL_LINES", "0"))):
    say(f"line {i + 1}")
temp = Path(config["temp_path"])
(temp / "sub").mkdir(parents=True, exist_ok=True)
(temp / "scratch.bin").write_bytes(b"scratch")
(temp / "sub" / "more.txt").write_text("more")
say("ready")
release = env.get("KERNEL_WAIT_FOR")
deadline = time.monotonic() + 30  # never outlive a broken test by long
while release and not Path(release).exists() and time.monotonic() < deadline:
    time.sleep(0.02)
say("after")
sys.exit(int(env.get("KERNEL_EXIT", "0")))
"""


class ExecutorFactory:
    """Makes executors of one kind; at teardown, stops every job they know and closes them."""

    def __init__(self, profile: Profile, options: dict[str, Any]) -> None:
        self.name = profile.name
        self.profile = profile
        self.options = options  # the profile's, given to every executor made
        self.made: list[Executor] = []

    def __call__(self, **options: Any) -> Executor:
        executor = create_executor(self.name, **self.merged(options))
        self.made.append(executor)
        return executor

    def merged(self, options: dict[str, Any]) -> dict[str, Any]:
        if not self.profile.gpu_pool:
            options.pop("gpus", None)  # the cluster's GPUs are the cluster's to hand out
        return {**self.options, **options}


@pytest.fixture
def specs() -> list[JobSpec]:
    return []


@pytest.fixture(params=EXECUTORS)
def executor_factory(request: pytest.FixtureRequest, specs: list[JobSpec]) -> Iterator[ExecutorFactory]:
    profile = PROFILES[request.param]
    options = request.getfixturevalue(profile.options_fixture) if profile.options_fixture else {}
    factory = ExecutorFactory(profile, options)
    yield factory
    for executor in factory.made:
        for spec in specs:
            executor.cancel(spec.job_id, grace_seconds=0)
    for executor in factory.made:
        for spec in specs:
            wait_for(
                lambda e=executor, s=spec: e.status(s.job_id).state in ENDED,
                f"job {spec.job_id} to stop at teardown",
                profile.timeout,
            )
        executor.close()


@pytest.fixture
def make_job(
    tmp_path: Path, specs: list[JobSpec], executor_factory: ExecutorFactory
) -> Callable[..., JobSpec]:
    """A JobSpec running the throwaway kernel. `wait=True`: it runs until `release(spec)`."""
    workdir = tmp_path / "kernel"
    workdir.mkdir()
    (workdir / "kernel.py").write_text(KERNEL)

    def make(
        name: str = "job",
        *,
        exit_code: int = 0,
        lines: int = 0,
        wait: bool = False,
        on_term: str = "",
        gpu_count: int = 0,
        cpus: float = 1.0,
        memory_gb: float | None = None,
        show: tuple[str, ...] = (),
    ) -> JobSpec:
        job_id = f"{name}-{uuid.uuid4().hex[:8]}"
        job_dir = tmp_path / "jobs" / job_id
        temp = job_dir / "temp"
        temp.mkdir(parents=True)
        config = job_dir / "vlad_training.json"
        config.write_text(json.dumps({"temp_path": str(temp)}))
        env = {"KERNEL_EXIT": str(exit_code), "KERNEL_LINES": str(lines), "KERNEL_ON_TERM": on_term}
        if show:
            env["KERNEL_SHOW"] = ",".join(show)  # the kernel prints these variables
        if wait:
            env["KERNEL_WAIT_FOR"] = str(job_dir / "release")
        spec = JobSpec(
            job_id=job_id,
            command=["python", "kernel.py"],
            workdir=workdir,
            image=None,
            config_path=config,
            job_dir=job_dir,
            temp_path=temp,
            gpu_count=gpu_count,
            cpus=cpus,
            memory_gb=memory_gb,
            env=env,
        )
        if executor_factory.profile.image:
            spec = replace(spec, image=executor_factory.profile.image)
        specs.append(spec)
        return spec

    return make


def release(spec: JobSpec) -> None:
    (spec.job_dir / "release").touch()


def profile_of(executor: Executor) -> Profile:
    return PROFILES[executor.name]


def visible_gpus(executor: Executor, gpus: tuple[str, ...]) -> str:
    """CUDA_VISIBLE_DEVICES as the kernel sees it when handed these GPUs."""
    if profile_of(executor).renumbers_gpus:
        return ",".join(str(i) for i in range(len(gpus)))
    return ",".join(gpus)


def held_gpus(executor: Executor, gpus: tuple[str, ...]) -> tuple[str, ...]:
    """The GPUs a RUNNING status names: those the executor handed out; none a cluster's."""
    return gpus if profile_of(executor).gpu_pool else ()


def started(executor: Executor) -> tuple[JobState, ...]:
    """States a job may be in right after `submit` when it needs nothing that is taken."""
    return (QUEUED, RUNNING, EXITED) if profile_of(executor).queued_first else (RUNNING, EXITED)


def stop_code(executor: Executor, kernels_own: int) -> int:
    return kernels_own if profile_of(executor).stop_codes else -signal.SIGTERM


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll until `predicate()` is truthy; its value. Fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(interval)


def wait_for_state(
    executor: Executor, spec: JobSpec, state: JobState, timeout: float | None = None
) -> RunStatus:
    status = wait_for(
        lambda: (s := executor.status(spec.job_id)).state == state and s,
        f"job {spec.job_id} to be {state}",
        timeout or profile_of(executor).timeout,
    )
    return status


def log_text(executor: Executor, spec: JobSpec) -> list[str]:
    return list(executor.logs(spec.job_id))


def wait_for_line(executor: Executor, spec: JobSpec, line: str, timeout: float | None = None) -> None:
    wait_for(
        lambda: line in log_text(executor, spec),
        f"{line!r} in the log of {spec.job_id}",
        timeout or profile_of(executor).timeout,
    )


# A platform process of its own, which the test kills with SIGKILL. Jobs in `to_start` are
# waited for until they run, one by one, where a cluster schedules them (queued_first).
PLATFORM = """
import pickle, sys, time
from vlad.executors import create_executor
name, options, specs, to_start, timeout = pickle.loads(bytes.fromhex(sys.argv[1]))
executor = create_executor(name, **options)
for spec in specs:
    state = executor.submit(spec).state.value
    deadline = time.monotonic() + timeout
    while spec.job_id in to_start and state == "queued" and time.monotonic() < deadline:
        time.sleep(0.05)
        state = executor.status(spec.job_id).state.value
    print(spec.job_id, state, flush=True)
time.sleep(120)
"""


def start_platform(
    factory: ExecutorFactory, specs: list[JobSpec], to_start: list[JobSpec], **options: Any
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    wait = [spec.job_id for spec in to_start] if factory.profile.queued_first else []
    argument = pickle.dumps(
        (factory.name, factory.merged(options), specs, wait, factory.profile.timeout)
    ).hex()
    platform = subprocess.Popen([sys.executable, "-c", PLATFORM, argument], stdout=subprocess.PIPE, text=True)
    assert platform.stdout is not None
    states = dict(platform.stdout.readline().split() for _ in specs)
    return platform, states


@pytest.mark.parametrize("exit_code", [0, 3, 255])
def test_reports_the_kernels_exit_code_and_log(executor_factory, make_job, exit_code):
    if executor_factory.profile.queued_first and exit_code != 3:
        pytest.skip("one exit code is enough where each job costs seconds (a cluster)")
    executor = executor_factory()
    spec = make_job(exit_code=exit_code, lines=3)
    assert executor.submit(spec).state in started(executor)
    assert wait_for_state(executor, spec, EXITED) == RunStatus(EXITED, exit_code=exit_code)
    lines = log_text(executor, spec)
    assert lines[0].startswith("start ")
    # No GPUs configured: CUDA_VISIBLE_DEVICES is set, and empty, so kernels use the CPU.
    assert lines[1:] == ["CUDA_VISIBLE_DEVICES=", "line 1", "line 2", "line 3", "ready", "after"]


def test_submit_is_idempotent(executor_factory, make_job):
    executor = executor_factory()
    spec = make_job(wait=True)
    first = executor.submit(spec)
    if profile_of(executor).queued_first:  # it may start between the two calls
        assert first.state in (QUEUED, RUNNING) and executor.submit(spec).state in (QUEUED, RUNNING)
        wait_for_line(executor, spec, "ready")
    else:
        assert executor.submit(spec) == first == RunStatus(RUNNING)
    release(spec)
    wait_for_state(executor, spec, EXITED)
    assert len([line for line in log_text(executor, spec) if line.startswith("start ")]) == 1


def test_status_notices_the_end_within_seconds_and_never_blocks(executor_factory, make_job):
    executor = executor_factory()
    spec = make_job(wait=True, exit_code=1)
    executor.submit(spec)
    wait_for_line(executor, spec, "ready")
    before = time.monotonic()
    assert executor.status(spec.job_id).state == RUNNING
    assert time.monotonic() - before < 0.5
    release(spec)
    assert wait_for_state(executor, spec, EXITED).exit_code == 1


def test_cancel_sends_sigterm_so_the_kernel_can_save(executor_factory, make_job):
    executor = executor_factory()
    spec = make_job(wait=True, on_term="save")
    executor.submit(spec)
    wait_for_line(executor, spec, "ready")
    before = time.monotonic()
    executor.cancel(spec.job_id, grace_seconds=10)
    assert time.monotonic() - before < 1, "cancel must not wait for the job to end"
    assert wait_for_state(executor, spec, EXITED).exit_code == stop_code(executor, 143)
    lines = log_text(executor, spec)
    assert "saved" in lines and "after" not in lines
    executor.cancel(spec.job_id)  # already gone: not an error


def test_a_kernel_ignoring_sigterm_is_killed_after_the_grace_period(executor_factory, make_job):
    executor = executor_factory()
    spec = make_job(wait=True, on_term="ignore")
    executor.submit(spec)
    wait_for_line(executor, spec, "ready")
    cancelled = time.monotonic()
    executor.cancel(spec.job_id, grace_seconds=0.5)
    assert executor.status(spec.job_id).state == RUNNING  # SIGTERM alone did not stop it
    assert wait_for_state(executor, spec, EXITED).exit_code == stop_code(executor, -signal.SIGKILL)
    assert time.monotonic() - cancelled >= 0.5
    assert "after" not in log_text(executor, spec)


def test_logs_follow_streams_lines_while_the_job_runs(executor_factory, make_job):
    executor = executor_factory()
    spec = make_job(wait=True, lines=2)
    executor.submit(spec)
    seen = []
    for line in executor.logs(spec.job_id, follow=True):
        seen.append(line)
        if line == "ready":
            assert executor.status(spec.job_id).state == RUNNING
            release(spec)
    # The iteration ended by itself, after the job, with every line drained.
    assert seen[-4:] == ["line 1", "line 2", "ready", "after"]
    assert executor.status(spec.job_id).state == EXITED


def test_cleanup_empties_the_temp_folder_and_is_idempotent(executor_factory, make_job):
    executor = executor_factory()
    spec = make_job()
    executor.submit(spec)
    wait_for_state(executor, spec, EXITED)
    assert sorted(p.name for p in spec.temp_path.iterdir()) == ["scratch.bin", "sub"]
    executor.cleanup(spec.job_id)
    assert spec.temp_path.is_dir() and list(spec.temp_path.iterdir()) == []
    executor.cleanup(spec.job_id)
    assert executor.status(spec.job_id).state in (EXITED, JobState.UNKNOWN)


def test_a_forgotten_job_can_be_submitted_again_under_its_id(executor_factory, make_job):
    """The platform restarts a job that ended without an outcome under its own id (issue 13)."""
    executor = executor_factory()
    spec = make_job(wait=True, exit_code=3)
    executor.submit(spec)
    wait_for_line(executor, spec, "ready")
    executor.forget(spec.job_id)  # still running: left alone
    assert executor.status(spec.job_id).state in (QUEUED, RUNNING)
    release(spec)
    assert wait_for_state(executor, spec, EXITED).exit_code == 3
    executor.forget(spec.job_id)
    assert executor.status(spec.job_id).state is JobState.UNKNOWN
    (spec.job_dir / "release").unlink()
    executor.submit(spec)
    # The second attempt runs, and waits again. Ray's log of a job is its own attempt's (from
    # the log file's size at submission); the others' go on with the whole file.
    readies = 1 if profile_of(executor).name == "ray" else 2
    wait_for(
        lambda: log_text(executor, spec).count("ready") == readies,
        "the second attempt's 'ready'",
        profile_of(executor).timeout,
    )
    release(spec)
    assert wait_for_state(executor, spec, EXITED).exit_code == 3
    executor.forget(spec.job_id)
    executor.forget(spec.job_id)  # idempotent
    assert executor.status(spec.job_id).state is JobState.UNKNOWN


def test_a_job_it_does_not_know_is_no_error(executor_factory):
    executor = executor_factory()
    assert executor.status("no-such-job") == RunStatus(JobState.UNKNOWN)
    assert list(executor.logs("no-such-job")) == []
    assert list(executor.logs("no-such-job", follow=True)) == []
    executor.cancel("no-such-job")
    executor.cleanup("no-such-job")


def test_capacity_is_told_at_once(executor_factory):
    executor = executor_factory(gpus=["0", "1"])  # a cluster's: 2 GPUs on its worker
    before = time.monotonic()
    capacity = executor.capacity()
    assert time.monotonic() - before < 5
    assert capacity.gpus == 2 and capacity.jobs is None and capacity.where
    assert capacity.cpus is not None and capacity.cpus > 0
    assert capacity.memory_gb is not None and capacity.memory_gb > 0
    before = time.monotonic()
    assert executor.capacity() == capacity  # asked again at once: no slower
    assert time.monotonic() - before < 0.5


def test_a_jobs_thread_limits_follow_its_cpus(executor_factory, make_job, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "8")  # the platform's own: not the kernel's
    executor = executor_factory()
    threads = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    spec = make_job(cpus=2, memory_gb=0.5, show=threads)
    executor.submit(spec)
    assert wait_for_state(executor, spec, EXITED).exit_code == 0
    most = executor.capacity().cpus or 2  # a job asking more than all counts as asking all
    assert {f"{name}={int(min(2, most))}" for name in threads} <= set(log_text(executor, spec))


def test_gpus_are_handed_out_and_jobs_wait_for_them_in_order(executor_factory, make_job):
    if not executor_factory.profile.gpu_pool:
        pytest.skip("the cluster schedules its GPUs: see the executor's own tests")
    executor = executor_factory(gpus=["0", "1"])
    a, b = make_job("a", wait=True, gpu_count=1), make_job("b", wait=True, gpu_count=1)
    c, d = make_job("c", wait=True, gpu_count=2), make_job("d", gpu_count=2)
    assert executor.submit(a) == RunStatus(RUNNING, gpus=("0",))
    assert executor.submit(b) == RunStatus(RUNNING, gpus=("1",))
    assert executor.submit(c) == RunStatus(QUEUED, queue_position=1)
    assert executor.submit(d) == RunStatus(QUEUED, queue_position=2)
    assert executor.submit(make_job("cpu")).state in (RUNNING, EXITED)  # needs none: no wait
    wait_for_line(executor, a, "CUDA_VISIBLE_DEVICES=" + visible_gpus(executor, ("0",)))
    wait_for_line(executor, b, "CUDA_VISIBLE_DEVICES=" + visible_gpus(executor, ("1",)))

    release(a)
    wait_for_state(executor, a, EXITED)
    assert executor.status(c.job_id) == RunStatus(QUEUED, queue_position=1)  # 1 GPU free of 2
    release(b)
    assert wait_for_state(executor, c, RUNNING).gpus == ("0", "1")
    wait_for_line(executor, c, "CUDA_VISIBLE_DEVICES=0,1")
    assert executor.status(d.job_id) == RunStatus(QUEUED, queue_position=1)

    executor.cancel(d.job_id)
    assert executor.status(d.job_id) == RunStatus(EXITED, exit_code=-signal.SIGTERM)
    assert log_text(executor, d) == []  # it never started
    release(c)
    wait_for_state(executor, c, EXITED)


def test_a_cluster_starts_jobs_when_its_gpus_free_up(executor_factory, make_job):
    """Where the cluster schedules GPUs (the profile's cluster has a node with 2)."""
    if executor_factory.profile.gpu_pool:
        pytest.skip("the executor hands out GPUs itself: see the test above")
    executor = executor_factory()
    a, b = make_job("a", wait=True, gpu_count=1), make_job("b", wait=True, gpu_count=1)
    c, d = make_job("c", wait=True, gpu_count=2), make_job("d", gpu_count=2)
    for spec in (a, b):
        executor.submit(spec)
        wait_for_line(executor, spec, "ready")
    assert executor.status(a.job_id) == executor.status(b.job_id) == RunStatus(RUNNING)
    assert executor.submit(c) == RunStatus(QUEUED, queue_position=1)
    assert executor.submit(d) == RunStatus(QUEUED, queue_position=2)
    lines = log_text(executor, a) + log_text(executor, b)
    assert {"CUDA_VISIBLE_DEVICES=0", "CUDA_VISIBLE_DEVICES=1"} <= set(lines)

    release(a)
    wait_for_state(executor, a, EXITED)
    time.sleep(1)  # time enough for the cluster to start c, were it wrong to
    assert executor.status(c.job_id) == RunStatus(QUEUED, queue_position=1)  # 1 GPU free of 2
    executor.cancel(d.job_id)
    assert wait_for_state(executor, d, EXITED).exit_code == -signal.SIGTERM
    assert log_text(executor, d) == []  # it never started
    release(b)
    wait_for_state(executor, c, RUNNING)
    wait_for_line(executor, c, "CUDA_VISIBLE_DEVICES=0,1")
    release(c)
    assert wait_for_state(executor, c, EXITED).exit_code == 0


def test_refuses_a_job_needing_more_gpus_than_it_has(executor_factory, make_job):
    executor = executor_factory(gpus=["0", "1"])
    spec = make_job(gpu_count=4)
    with pytest.raises(ValueError, match="needs 4 GPUs; this executor has 2"):
        executor.submit(spec)
    assert executor.status(spec.job_id) == RunStatus(JobState.UNKNOWN)


def test_a_new_executor_takes_back_jobs_of_a_closed_one(executor_factory, make_job):
    old = executor_factory(gpus=["0", "1"])
    running = make_job("running", wait=True, exit_code=7, gpu_count=1)
    queued = make_job("queued", gpu_count=2)
    assert old.submit(running).state in started(old)
    wait_for_line(old, running, "ready")
    assert old.submit(queued).state == QUEUED
    old.close()  # the platform goes away; its jobs do not

    new = executor_factory(gpus=["0", "1"])
    assert new.recover([running, queued]) == {
        running.job_id: RunStatus(RUNNING, gpus=held_gpus(new, ("0",))),
        queued.job_id: RunStatus(QUEUED, queue_position=1),  # "0" is still taken
    }
    release(running)
    assert wait_for_state(new, running, EXITED).exit_code == 7
    assert wait_for_state(new, queued, EXITED).exit_code == 0
    assert "CUDA_VISIBLE_DEVICES=0,1" in log_text(new, queued)


def test_jobs_survive_the_platform_being_killed(executor_factory, make_job):
    running = make_job("running", wait=True, exit_code=7, gpu_count=1)
    finished = make_job("finished", wait=True, exit_code=5)
    queued = make_job("queued", gpu_count=2)
    platform, states = start_platform(
        executor_factory, [running, finished, queued], to_start=[running, finished], gpus=["0", "1"]
    )
    try:
        assert states == {
            running.job_id: "running",
            finished.job_id: "running",
            queued.job_id: "queued",
        }
        for spec in (running, finished):
            wait_for(
                lambda s=spec: (s.temp_path / "scratch.bin").exists(),
                "the kernel to start",
                executor_factory.profile.timeout,
            )
        platform.kill()
        platform.wait()

        # Ends while no executor watches; a later one still learns its exit code.
        release(finished)
        wait_for(
            lambda: executor_factory().recover([finished])[finished.job_id].state == EXITED,
            "an executor to find the finished job",
            executor_factory.profile.timeout,
            interval=0.3,  # each try makes an executor
        )

        new = executor_factory(gpus=["0", "1"])
        assert new.recover([running, finished, queued]) == {
            running.job_id: RunStatus(RUNNING, gpus=held_gpus(new, ("0",))),
            finished.job_id: RunStatus(EXITED, exit_code=5),
            queued.job_id: RunStatus(QUEUED, queue_position=1),
        }
        release(running)
        assert wait_for_state(new, running, EXITED).exit_code == 7
        assert wait_for_state(new, queued, EXITED).exit_code == 0
    finally:
        platform.kill()
        platform.wait()
        executor_factory().recover([running, finished])  # so that teardown stops them
