"""What the Ray executor tells the Jobs API, and how it reads Ray's answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from vlad.executors import JobSpec
from vlad.executors.ray.entry import KernelLines, entrypoint, environment, exit_code

ENTRY = "/venv/bin/python -m kernel"


def spec(gpu_count: int = 0, command: tuple[str, ...] = ("python", "-m", "kernel")) -> JobSpec:
    return JobSpec(
        job_id="model-1",
        command=list(command),
        workdir=Path("/k"),
        image=None,
        config_path=Path("/data/jobs/model-1/vlad_training.json"),
        job_dir=Path("/data/jobs/model-1"),
        temp_path=Path("/data/jobs/model-1/temp"),
        gpu_count=gpu_count,
        env={"EXTRA": "a b"},
    )


@pytest.mark.parametrize(
    ("command", "python", "expected"),
    [
        (("python", "-m", "kernel"), "/venv/bin/python", ENTRY),
        (("python", "-m", "kernel"), "python", "python -m kernel"),
        (("./run.sh", "it's"), "/venv/bin/python", "./run.sh 'it'\"'\"'s'"),
    ],
)
def test_entrypoint_runs_the_command_in_the_kernel_folder(command, python, expected):
    entry = entrypoint(spec(command=command), python)
    assert entry.startswith("cd /k && exec env -i ") and entry.endswith(f" {expected}")


def test_entrypoint_clears_the_workers_environment(tmp_path):
    """A Ray worker inherits its node's environment; the kernel sees only the allowed part."""
    entry = entrypoint(spec(command=("env",)), None).replace("cd /k", f"cd {tmp_path}")
    worker = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "EXTRA": "a b", "VLAD_TRAINING_CONFIG": "/c.json"}
    secrets = {"VLAD_S3_SECRET_ACCESS_KEY": "s3cret", "VLAD_BROKER_URL": "amqp://u:pw@h", "AWS_SECRET": "x"}
    out = subprocess.run(["sh", "-c", entry], env={**worker, **secrets}, capture_output=True, text=True)
    assert dict(line.split("=", 1) for line in out.stdout.splitlines()) == worker


def test_environment():
    env = environment(spec(), grace_seconds=2.5)
    assert env["VLAD_TRAINING_CONFIG"] == "/data/jobs/model-1/vlad_training.json"
    assert env["RAY_JOB_STOP_WAIT_TIME_S"] == "3" and env["EXTRA"] == "a b"
    assert env["CUDA_VISIBLE_DEVICES"] == ""  # no GPU; with GPUs Ray sets it
    assert "CUDA_VISIBLE_DEVICES" not in environment(spec(gpu_count=1), 10)


@pytest.mark.parametrize(
    ("status", "driver_exit_code", "message", "expected"),
    [
        ("SUCCEEDED", 0, None, 0),
        ("FAILED", 3, "Job entrypoint command failed with exit code 3", 3),
        ("FAILED", None, "Job entrypoint command failed with exit code 255, last logs: ...", 255),
        ("FAILED", None, "runtime_env setup failed", 1),
        ("STOPPED", None, "Job was intentionally stopped.", -15),
    ],
)
def test_exit_code(status, driver_exit_code, message, expected):
    assert exit_code(status, driver_exit_code, message) == expected


def test_kernel_lines_drop_what_ray_adds_wherever_it_falls():
    log = (
        "2026-11-22 19:08:57,506\tINFO job_manager.py:581 -- Runtime env is setting up.\n"
        "start 1\nCUDA_VISIBLE_DEVICES=0\n"
        f"Running entrypoint for job model-1: {ENTRY}\n"
        "2026-11-22 19:08:58,000\tINFO other.py:1 -- a kernel's own logging line\n"
        "last, no newline"
    )
    whole = KernelLines("model-1", ENTRY)
    expected = (
        b"start 1\nCUDA_VISIBLE_DEVICES=0\n"
        b"2026-11-22 19:08:58,000\tINFO other.py:1 -- a kernel's own logging line\n"
    )
    assert whole.feed(log) == expected
    assert whole.end() == b"last, no newline"
    pieces = KernelLines("model-1", ENTRY)  # the same, fed in pieces cut anywhere
    out = b"".join(pieces.feed(log[i : i + 7]) for i in range(0, len(log), 7)) + pieces.end()
    assert out == expected + b"last, no newline"
