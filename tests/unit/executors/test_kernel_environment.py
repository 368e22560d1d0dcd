"""Kernels start with a clean environment: never the platform's secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlad.executors import JobSpec
from vlad.executors.docker.container import ContainerOptions, create_kwargs
from vlad.executors.local.process import kernel_env, start_supervised

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
    "OMP_NUM_THREADS": "2",
}


def spec(tmp_path: Path, command: list[str] | None = None) -> JobSpec:
    return JobSpec(
        job_id="model-1",
        command=command or ["python", "-m", "kernel"],
        workdir=tmp_path,
        image="kernel:1",
        config_path=tmp_path / "vlad_training.json",
        job_dir=tmp_path / "job",
        temp_path=tmp_path / "job" / "temp",
        env={"FROM_THE_JOB": "yes"},
    )


@pytest.fixture
def platform_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SECRETS, **ALLOWED}.items():
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
