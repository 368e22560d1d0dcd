"""Kernels start with a clean environment: never the platform's secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlad.executors import JobSpec
from vlad.executors.docker.container import ContainerOptions, create_kwargs
from vlad.executors.kubernetes.manifests import environment as kubernetes_environment
from vlad.executors.local.process import kernel_env, start_supervised
from vlad.executors.ray.entry import environment as ray_environment

SECRETS = {
    "VLAD_S3_SECRET_ACCESS_KEY": "s3-secret",
    "VLAD_BROKER_URL": "amqp://vlad:broker-pw@127.0.0.1:5672/",
    "VLAD_DATABASE_URL": "postgresql://vlad:db-pw@db/vlad",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "GITHUB_TOKEN": "token",
}
ALLOWED = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/k",
    "LANG": "C.UTF-8",
    "LC_ALL": "C",
}
# The platform's own thread limits, which a kernel must not inherit: its CPUs set them.
PLATFORM_THREADS = {"OMP_NUM_THREADS": "8", "MKL_NUM_THREADS": "8"}
THREAD_LIMITS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def spec(tmp_path: Path, command: list[str] | None = None, cpus: float = 1.0, **env: str) -> JobSpec:
    return JobSpec(
        job_id="model-1",
        command=command or ["python", "-m", "kernel"],
        workdir=tmp_path,
        image="kernel:1",
        config_path=tmp_path / "vlad_training.json",
        job_dir=tmp_path / "job",
        temp_path=tmp_path / "job" / "temp",
        cpus=cpus,
        env={"FROM_THE_JOB": "yes", **env},
    )


@pytest.fixture
def platform_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SECRETS, **ALLOWED, **PLATFORM_THREADS}.items():
        monkeypatch.setenv(name, value)


def test_the_local_kernel_gets_the_allow_list_and_its_own(tmp_path: Path, platform_env: None) -> None:
    env = kernel_env(spec(tmp_path), ("1",))
    assert not set(SECRETS) & set(env)
    assert {k: env[k] for k in ALLOWED} == ALLOWED
    assert env["VLAD_TRAINING_CONFIG"] == str(tmp_path / "vlad_training.json")
    assert env["CUDA_VISIBLE_DEVICES"] == "1" and env["FROM_THE_JOB"] == "yes"


def test_a_local_kernel_printing_its_environment_shows_no_secret(tmp_path: Path, platform_env: None) -> None:
    command = [sys.executable, "-c", "import os; print(sorted(os.environ.items()))"]
    process, _ = start_supervised(spec(tmp_path, command), ())
    assert process.wait(timeout=30) == 0
    log = (tmp_path / "job" / "kernel.log").read_text()
    assert "VLAD_TRAINING_CONFIG" in log
    for name, value in SECRETS.items():
        assert name not in log and value not in log


def test_a_container_gets_no_host_variable(tmp_path: Path, platform_env: None) -> None:
    env = create_kwargs(spec(tmp_path), (), ContainerOptions(), 0)["environment"]
    assert not set(SECRETS) & set(env) and "PATH" not in env


def test_the_supervisor_still_finds_its_own_package(tmp_path: Path, platform_env: None) -> None:
    """The supervisor is the platform's own Python; a clean environment must not break it."""
    env = kernel_env(spec(tmp_path), ())
    out = subprocess.run(
        [sys.executable, "-P", "-c", "import vlad.executors.local.supervise"], env=env, cwd=os.sep
    )
    assert out.returncode == 0


# What each executor gives the kernel's environment, from the job's spec.
ENVIRONMENTS = {
    "local": lambda s: kernel_env(s, ()),
    "docker": lambda s: create_kwargs(s, (), ContainerOptions(), 0)["environment"],
    "ray": lambda s: ray_environment(s, 10.0),
    "kubernetes": lambda s: {e["name"]: e["value"] for e in kubernetes_environment(s)},
}


@pytest.mark.parametrize("executor", ENVIRONMENTS)
@pytest.mark.parametrize(("cpus", "threads"), [(2, "2"), (2.9, "2"), (0.5, "1"), (1, "1"), (16, "16")])
def test_thread_limits_follow_the_jobs_cpus_not_the_platforms(
    tmp_path, platform_env, executor, cpus, threads
):
    env = ENVIRONMENTS[executor](spec(tmp_path, cpus=cpus))
    assert {name: env[name] for name in THREAD_LIMITS} == dict.fromkeys(THREAD_LIMITS, threads)


@pytest.mark.parametrize("executor", ENVIRONMENTS)
def test_the_jobs_own_thread_limits_win(tmp_path, platform_env, executor):
    env = ENVIRONMENTS[executor](spec(tmp_path, cpus=4, OMP_NUM_THREADS="3"))
    assert env["OMP_NUM_THREADS"] == "3" and env["MKL_NUM_THREADS"] == "4"


def test_a_local_kernel_sees_its_thread_limits(tmp_path, platform_env):
    command = [sys.executable, "-c", "import os; print(os.environ['OMP_NUM_THREADS'])"]
    process, _ = start_supervised(spec(tmp_path, command, cpus=2), ())
    assert process.wait(timeout=30) == 0
    assert (tmp_path / "job" / "kernel.log").read_text() == "2\n"


def test_the_supervisors_exit_codes_are_the_executors() -> None:
    from vlad.executors import common
    from vlad.executors.local import supervise

    assert (supervise.NOT_FOUND, supervise.CANNOT_EXECUTE) == (common.NOT_FOUND, common.CANNOT_EXECUTE)
