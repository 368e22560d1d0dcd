"""The executor interface: submit, status, logs, cancel, cleanup, recover."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Self


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
    cpus: float = 1.0  # the CPUs the scheduler counted for it; its thread limits follow
    memory_gb: float | None = None  # the memory counted for it; None: no bound
    env: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def log_path(self) -> Path:
        return self.job_dir / "kernel.log"


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for GPUs (a moment, see `Executor`), or for a cluster to place it
    RUNNING = "running"
    EXITED = "exited"  # ended; `exit_code` says how
    UNKNOWN = "unknown"  # this executor has no such job (never submitted, or already gone)


@dataclass(frozen=True)
class Capacity:
    """What an executor can run at once, for the platform's scheduler. None: not counted
    (no bound, or one the executor cannot tell)."""

    cpus: float | None = None
    memory_gb: float | None = None
    gpus: int | None = None
    jobs: int | None = None  # jobs in flight (a cap set for a cluster)
    where: str = ""  # in words, for the queue view: "this machine", "Ray cluster at ..."


@dataclass(frozen=True)
class RunStatus:
    state: JobState
    exit_code: int | None = None  # negative: killed by that signal (-9: hard kill)
    queue_position: int | None = None  # 1 = next to start; only when QUEUED
    gpus: tuple[str, ...] = ()  # the GPUs handed to it, when RUNNING


class Executor(abc.ABC):
    """Runs kernels somewhere. The rules below hold for every executor; one contract suite
    checks them all (tests/integration/executors/test_executor_contract.py, whose `Profile`
    names the few places where an executor may differ, each said here too).

    - Every method returns quickly and none raises for a job that is unknown or gone.
    - A job's log is its `spec.log_path`, which the executor fills with the kernel's output
      in order (lines the platform wrote there before the kernel started are kept).
    - The kernel gets a clean environment (vlad.executors.environment): the config's path in
      VLAD_TRAINING_CONFIG and CUDA_VISIBLE_DEVICES always set, empty when it has no GPU.
    - Exit codes are the kernel's own; negative when a signal ended it, and
      vlad.executors.common's codes where the kernel could not say (STOPPED, KILLED,
      VANISHED, CANNOT_START).
    - Jobs outlive the executor: a platform killed or closed leaves them running, and a
      new executor takes them back with `recover`.
    - Which job starts, where and when is decided by the platform's scheduler
      (vlad.server.services.scheduling) from `capacity`: an executor starts what it is
      handed. Its own GPU queue (local, docker) is a safety net for the moment the
      scheduler cannot see, when a job's final status has arrived but its process has not
      yet exited and freed its GPU ids; a cluster (Ray, Kubernetes) may still hold a job
      pending while it places it.

    Each executor is built from the platform's settings with `from_settings`, or directly
    from its constructor's keywords (tests, tools).
    """

    name: str  # as in VLAD_EXECUTOR and a kernel's `executor`

    @classmethod
    def options_from(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        """This executor's constructor keywords from the platform's settings, given as a plain
        mapping of their names without the VLAD_ prefix (`Settings.model_dump()`). A name
        the mapping lacks leaves the constructor's default. Every executor takes its
        `grace_seconds` from `stop_grace_seconds`."""
        return pick(settings, grace_seconds="stop_grace_seconds")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Self:
        """The executor the platform's settings describe (see `options_from`).
        Raises ExecutorUnavailable when it cannot run here (no engine, no cluster)."""
        return cls(**cls.options_from(settings))

    @abc.abstractmethod
    def submit(self, spec: JobSpec) -> RunStatus:
        """Start the job, or queue it until enough GPUs are free (the platform's scheduler hands
        over only jobs that fit, so a queue here lasts a moment). Returns at once.

        Idempotent: submitting a job id the executor already knows returns its status and
        starts nothing. A job needing no GPU never waits for one. Raises ValueError when the
        job can never run here (more GPUs than it has: "needs 4 GPUs; this executor has 2",
        no command, no image), and then knows no such job (its status stays UNKNOWN).
        """

    @abc.abstractmethod
    def status(self, job_id: str) -> RunStatus:
        """The job's state now, without waiting on the job (well under a second); its end is
        noticed within seconds. An unknown or long-gone job is `UNKNOWN`, not an error.

        QUEUED: waiting for GPUs, with its `queue_position` where the executor hands them out
        itself (first in, first out; a cluster may give none). RUNNING: with the GPUs handed
        to it (none named where a cluster schedules them). EXITED: with its exit code.
        """

    @abc.abstractmethod
    def logs(self, job_id: str, follow: bool = False) -> Iterator[str]:
        """The job's log lines, without line ends. With `follow`, keeps yielding while the job
        runs and stops by itself once it has ended and every line is read. An unknown job's
        log is empty (followed too); a job that never started has an empty log."""

    @abc.abstractmethod
    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None:
        """Stop the job: SIGTERM (or the executor's equivalent), so that the kernel may save its
        work, then a hard kill after `grace_seconds` (None: the executor's own setting). Does
        not wait for either: the job stays RUNNING until it ends. Its exit code is the
        kernel's own (KILLED after the hard kill); an executor that cannot learn it says
        STOPPED (Ray). A queued job leaves the queue and is EXITED at once with STOPPED
        (-15), its log empty. A job already gone, or unknown, is not an error."""

    @abc.abstractmethod
    def cleanup(self, job_id: str) -> None:
        """Release what the job held once it has ended: empty its temp folder (the folder
        stays), free its GPUs, remove its container or cluster objects. Idempotent; an unknown
        job is not an error, and a job that has not ended is left alone. The job's status
        afterwards is EXITED or UNKNOWN."""

    def forget(self, job_id: str) -> None:
        """Clean up an ended job (as `cleanup`) and drop every record of it, here and in the
        engine or cluster, so that the same id can be submitted again: the platform restarts
        a job that ended without an outcome under its own id. A job that has not ended is
        left alone; an unknown one is not an error. Its status afterwards is UNKNOWN."""
        self.cleanup(job_id)

    @abc.abstractmethod
    def recover(self, specs: list[JobSpec]) -> dict[str, RunStatus]:
        """After a platform restart: find these jobs again and take them back in hand, as if
        this executor had started them. Returns each one's status.

        A job running is RUNNING again (holding the GPUs it held); one that ended while no
        platform watched is EXITED with its exit code and its full log; one that never
        started (it was queued) is submitted again, and queues behind the jobs found
        running. A job that can no longer run here is logged and left UNKNOWN. Jobs this
        executor knows already are left as they are."""

    def gpu_capacity(self) -> int | None:
        """How many GPUs this executor can ever hand out; None when it cannot tell (a cluster)."""
        return None

    def capacity(self) -> Capacity:
        """What the platform's scheduler may place here at once, counted against the jobs it
        has placed (their `JobSpec` cpus, memory_gb, gpu_count). Fast (it caches a cluster's
        answer for a few seconds); never raises for a cluster that is down (it answers its
        last known capacity, or nothing counted). By default only the GPUs are counted."""
        return Capacity(gpus=self.gpu_capacity())

    def close(self) -> None:  # noqa: B027 - optional
        """Release the executor's own resources (threads, connections). Jobs keep running, and
        a closed executor starts no queued job: a new one takes over with `recover`."""


def pick(settings: Mapping[str, Any], **names: str) -> dict[str, Any]:
    """{option: settings[name]} for every option=name whose name `settings` holds."""
    return {option: settings[name] for option, name in names.items() if name in settings}
