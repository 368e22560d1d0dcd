"""The executor interface: submit, status, logs, cancel, cleanup, recover."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class ExecutorUnavailable(RuntimeError):
    """This executor cannot be used here (a missing package or service); the text says which."""


@dataclass(frozen=True)
class JobSpec:
    """Everything an executor needs to run one job. Paths are on the platform's machine.

    The platform has already written `config_path` (vlad_training.json, whose folder paths
    are the same host paths) and `model.json`, and created the job's folders.
    """

    job_id: str
    command: list[str]  # argv run in `workdir` (local process executor)
    workdir: Path  # the kernel's folder
    image: str | None  # the kernel's image (container executors)
    config_path: Path  # vlad_training.json; mounted at /vlad_training.json in containers
    job_dir: Path  # the job's own folder: holds the log and executor state
    temp_path: Path  # emptied by `cleanup`
    mounts: tuple[Path, ...] = ()  # folders the job reads or writes (dataset, output, base model)
    gpu_count: int = 0
    env: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def log_path(self) -> Path:
        return self.job_dir / "kernel.log"


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for GPUs
    RUNNING = "running"
    EXITED = "exited"  # ended; `exit_code` says how
    UNKNOWN = "unknown"  # this executor has no such job (never submitted, or already gone)


@dataclass(frozen=True)
class RunStatus:
    state: JobState
    exit_code: int | None = None  # negative: killed by that signal (-9: hard kill)
    queue_position: int | None = None  # 1 = next to start; only when QUEUED
    gpus: tuple[str, ...] = ()  # the GPUs handed to it, when RUNNING


class Executor(abc.ABC):
    """Runs kernels somewhere. Every method returns quickly; none raises for a job that is gone."""

    name: str

    @abc.abstractmethod
    def submit(self, spec: JobSpec) -> RunStatus:
        """Start the job, or queue it until enough GPUs are free. Returns at once.

        Idempotent: submitting a job id the executor already knows returns its status.
        Raises ValueError when the job can never run here (more GPUs than exist).
        """

    @abc.abstractmethod
    def status(self, job_id: str) -> RunStatus:
        """The job's state now. An unknown or long-gone job is `UNKNOWN`, not an error."""

    @abc.abstractmethod
    def logs(self, job_id: str, follow: bool = False) -> Iterator[str]:
        """The job's log lines. With `follow`, keeps yielding until the job has ended."""

    @abc.abstractmethod
    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None:
        """Stop the job: SIGTERM (or the executor's equivalent), then a hard kill after
        `grace_seconds` (None: the executor's own setting). Does not wait for the kill.
        A queued job leaves the queue and is EXITED with exit code -15, as if stopped by
        SIGTERM. A job already gone is not an error."""

    @abc.abstractmethod
    def cleanup(self, job_id: str) -> None:
        """Release what the job held once it has ended: empty its temp folder, free its GPUs,
        remove its container. Idempotent."""

    @abc.abstractmethod
    def recover(self, specs: list[JobSpec]) -> dict[str, RunStatus]:
        """After a platform restart: find these jobs again (running, queued or exited while
        the platform was down) and take them back in hand. Returns each one's status."""

    def gpu_capacity(self) -> int | None:
        """How many GPUs this executor can ever hand out; None when it cannot tell (a cluster)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional
        """Release the executor's own resources (threads, connections). Jobs keep running."""
