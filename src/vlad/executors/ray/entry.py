"""What a job is to the Ray Jobs API (entrypoint, environment) and what its answers mean:
the exit code of an ended job, and the kernel's own lines in a job log that Ray adds to."""

from __future__ import annotations

import math
import re
import shlex

from vlad.executors.base import JobSpec
from vlad.executors.common import STOPPED
from vlad.executors.environment import INHERITED, job_environment

METADATA_JOB = "vlad.job"
METADATA_LOG_BASE = "vlad.log_base"  # the log file's size when it was submitted (vlad.executors.logcopy)
# Lines of Ray's job manager and supervisor in a job's log, e.g.
# "2026-11-22 19:08:57,506\tINFO job_manager.py:581 -- Runtime env is setting up."
RAY_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\t"
    r"(DEBUG|INFO|WARNING|ERROR|CRITICAL) job_(manager|supervisor)\.py:\d+ -- "
)
EXIT_CODE_IN_MESSAGE = re.compile(r"exit code (-?\d+)")
SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A shell cannot list the variables of a prefix (LC_*): these are the ones that exist.
LOCALE = ("LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES")


def entrypoint(spec: JobSpec, python: str | None) -> str:
    """The shell command Ray runs: the kernel's command in its folder (not uploaded: the
    cluster sees this file system). `python`: what a bare `python` in the command becomes.

    A Ray worker inherits the environment its node was started with (on one machine, often
    the platform's own, secrets and all): `env -i` clears it, keeping only the allowed
    variables (vlad.executors.environment) and the job's own, as Ray set them."""
    if not spec.command:
        raise ValueError(
            f"job {spec.job_id} has no command to run; a kernel's `command` "
            "is an argv list such as ['python', '-m', 'kernel']"
        )
    argv = list(spec.command)
    if python and argv[0] in ("python", "python3"):
        argv[0] = python
    names = [*INHERITED, *LOCALE, *environment(spec, 0), "CUDA_VISIBLE_DEVICES"]
    names.remove("RAY_JOB_STOP_WAIT_TIME_S")  # for Ray's supervisor, not the kernel
    kept = " ".join(f'${{{n}+"{n}=${n}"}}' for n in dict.fromkeys(names) if SHELL_NAME.fullmatch(n))
    return f"cd {shlex.quote(str(spec.workdir))} && exec env -i {kept} {shlex.join(argv)}"


def environment(spec: JobSpec, grace_seconds: float) -> dict[str, str]:
    env = {
        **job_environment(spec),  # thread limits too: Ray would set OMP_NUM_THREADS itself
        "VLAD_TRAINING_CONFIG": str(spec.config_path),
        # Read by the job's supervisor: SIGTERM, then SIGKILL after this many whole seconds.
        "RAY_JOB_STOP_WAIT_TIME_S": str(max(1, math.ceil(grace_seconds))),
    }
    if spec.gpu_count == 0:
        env["CUDA_VISIBLE_DEVICES"] = ""  # as on every executor: no GPU, the kernel uses the CPU
    return env  # with GPUs, Ray sets CUDA_VISIBLE_DEVICES to the ones it hands out


def exit_code(status: str, driver_exit_code: int | None, message: str | None) -> int:
    """The job's exit code from Ray's status: Ray does not report a stopped job's own code."""
    if status == "SUCCEEDED":
        return 0
    if status == "STOPPED":
        return STOPPED
    if driver_exit_code is not None:
        return int(driver_exit_code)
    found = EXIT_CODE_IN_MESSAGE.search(message or "")
    return int(found.group(1)) if found else 1


class KernelLines:
    """Keeps the kernel's lines of a Ray job log, in order, dropping the lines Ray adds (its
    job manager's and the "Running entrypoint for job ..." line). Feed it the log's text
    from its beginning; a line is passed on once complete (`end` passes the last one)."""

    def __init__(self, submission_id: str, entrypoint: str) -> None:
        self._entry_line = f"Running entrypoint for job {submission_id}: {entrypoint}"
        self._partial = ""

    def feed(self, text: str) -> bytes:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        return "".join(line + "\n" for line in lines if self._kept(line)).encode()

    def end(self) -> bytes:
        partial, self._partial = self._partial, ""
        return partial.encode() if partial and self._kept(partial) else b""

    def _kept(self, line: str) -> bool:
        return line != self._entry_line and not RAY_LINE.match(line)
