"""Starting a job's kernel as a supervised process of this machine."""

from __future__ import annotations

import sys
from subprocess import DEVNULL, STDOUT, Popen

from vlad.executors.base import JobSpec
from vlad.executors.environment import kernel_environment
from vlad.executors.local.state import EXIT_FILE, ProcessRecord, process_start_time, write_record


def kernel_argv(spec: JobSpec) -> list[str]:
    argv = list(spec.command)
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable  # the platform's environment, with its packages
    return argv


def kernel_env(spec: JobSpec, gpus: tuple[str, ...]) -> dict[str, str]:
    """A clean environment (never the platform's secrets), unbuffered by default so that
    `logs(follow=True)` shows a Python kernel's lines live, its thread pools sized to its CPUs."""
    own = {"VLAD_TRAINING_CONFIG": str(spec.config_path), "CUDA_VISIBLE_DEVICES": ",".join(gpus)}
    return kernel_environment(own, spec)


def start_supervised(spec: JobSpec, gpus: tuple[str, ...]) -> tuple[Popen[bytes], ProcessRecord]:
    """Start the job's kernel under `supervise`, in a session (and process group) of its
    own, its output appended to the job's log, and record it in `executor.json`.
    Raises OSError when it cannot start."""
    exit_file = spec.job_dir / EXIT_FILE
    # -P: the kernel's folder (the cwd) must not shadow the supervisor's own imports.
    argv = [
        sys.executable,
        "-P",
        "-m",
        "vlad.executors.local.supervise",
        "--exit-file",
        str(exit_file),
        "--",
        *kernel_argv(spec),
    ]
    spec.job_dir.mkdir(parents=True, exist_ok=True)
    exit_file.unlink(missing_ok=True)  # left by an earlier run of this job folder
    with open(spec.log_path, "ab") as log:
        process = Popen(
            argv,
            cwd=spec.workdir,
            env=kernel_env(spec, gpus),
            stdin=DEVNULL,
            stdout=log,
            stderr=STDOUT,
            start_new_session=True,
        )
    record = ProcessRecord(process.pid, process_start_time(process.pid), gpus)
    write_record(spec.job_dir, record)
    return process, record
