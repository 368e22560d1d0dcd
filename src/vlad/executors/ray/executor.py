"""Runs each kernel as a job of a Ray cluster, through the Ray Jobs API (JobSubmissionClient)."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ray.job_submission import JobStatus, JobSubmissionClient

from vlad.executors.base import Capacity, ExecutorUnavailable, JobSpec, JobState, RunStatus, pick
from vlad.executors.common import STOPPED
from vlad.executors.logcopy import LogCopy, log_size
from vlad.executors.machine import GIB
from vlad.executors.ray.cluster import ClusterNodes
from vlad.executors.ray.entry import (
    METADATA_JOB,
    METADATA_LOG_BASE,
    KernelLines,
    entrypoint,
    environment,
    exit_code,
)
from vlad.executors.tracking import ClusterExecutor, TrackedJob

logger = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


@dataclass
class RayJob(TrackedJob):
    entrypoint: str
    log_base: int
    submitted: float  # when Ray took it (ms): the order of the queue
    ray_status: str = JobStatus.PENDING.value
    follower: threading.Thread | None = field(default=None, repr=False)


class RayExecutor(ClusterExecutor[RayJob]):
    """Kernels as Ray jobs; the submission id is the job id, so a restarted platform finds them.

    Ray schedules the GPUs (`entrypoint_num_gpus`) and sets CUDA_VISIBLE_DEVICES: a job that
    needs more GPUs than are free waits as PENDING, shown as QUEUED with its place among this
    executor's waiting jobs (Ray does not promise that order). Set the head node's
    RAY_JOB_START_TIMEOUT_SECONDS above the longest wait: Ray fails a job pending longer
    (900 s by default). Exit codes: the kernel's; -15 for a stopped job (Ray does not report
    the kernel's own). The stop's grace period is fixed when the job is submitted (whole
    seconds: Ray's supervisor reads RAY_JOB_STOP_WAIT_TIME_S from the job's environment).
    A job cancelled while pending is EXITED at once; Ray stops it as soon as it schedules it.
    `cleanup` leaves the Ray job in the cluster's history (and dashboard). Once closed, the
    executor's followers finish copying the logs of running jobs, and `status` asks Ray.

    A job's CPUs and memory are asked of Ray too (`entrypoint_num_cpus`, `entrypoint_memory`),
    at most what the largest node has (it runs alone there rather than never). The capacity
    is the cluster's total as Ray reports it, asked at most every 5 s (the last known while
    the cluster does not answer), so that the platform's scheduler keeps in its own queue
    what does not fit. With `autoscaling`, nothing is counted: Ray holds the jobs pending
    while it adds nodes (RAY_JOB_START_TIMEOUT_SECONDS applies).
    """

    name = "ray"
    resubmit_errors = (ValueError, RuntimeError)

    def __init__(
        self,
        address: str = "http://127.0.0.1:8265",
        grace_seconds: float = 10.0,
        python: str | None = None,
        autoscaling: bool = False,
        poll_seconds: float = 0.5,
    ) -> None:
        super().__init__(grace_seconds)
        self.address = address
        # A bare `python` in a kernel's command: this platform's interpreter by default (the
        # cluster shares this machine's file system), else e.g. "python" for the workers' own.
        self.python = python if python is not None else sys.executable
        self.autoscaling = autoscaling  # nodes come on demand: never refuse a job for its GPUs
        try:
            self._client = JobSubmissionClient(address)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ExecutorUnavailable(
                f"the ray executor cannot reach a Ray cluster's dashboard at {address}: {exc}. "
                "Start one (ray start --head) and set VLAD_RAY_ADDRESS"
            ) from exc
        self._nodes = ClusterNodes(address)
        self._start_watcher(poll_seconds)

    @classmethod
    def options_from(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **super().options_from(settings),
            **pick(settings, address="ray_address", python="ray_python", autoscaling="ray_autoscaling"),
        }

    def capacity(self) -> Capacity:
        where = f"the Ray cluster at {self.address}"
        if self.autoscaling:
            return Capacity(where=f"{where} (autoscaling: jobs wait in Ray for nodes)")
        cpus, memory, gpus = (self._nodes.total(name) for name in ("CPU", "memory", "GPU"))
        return Capacity(
            cpus=cpus,
            memory_gb=None if memory is None else round(memory / GIB, 2),
            gpus=None if gpus is None else int(gpus),
            where=where,
        )

    def _create(self, spec: JobSpec) -> RayJob | None:
        self._check_gpus(spec)
        requests = self._requests(spec)
        spec = replace(spec, cpus=requests["entrypoint_num_cpus"])  # its thread pools follow
        entry = entrypoint(spec, self.python)
        base = log_size(spec.log_path)
        try:
            self._client.submit_job(
                entrypoint=entry,
                submission_id=spec.job_id,
                **requests,
                runtime_env={"env_vars": environment(spec, self.grace_seconds)},
                metadata={**spec.labels, METADATA_JOB: spec.job_id, METADATA_LOG_BASE: str(base)},
            )
        except RuntimeError:
            if self._info(spec.job_id) is None:
                raise
            return None  # submitted already (by a platform now gone)
        return RayJob(spec, entry, base, submitted=time.time() * 1000)

    def _forget_elsewhere(self, job_id: str) -> None:
        # Ray refuses a submission id it knows; an ended job's record can be deleted.
        try:
            self._client.delete_job(job_id)
        except Exception as exc:  # noqa: BLE001 - unknown to Ray, or Ray unreachable: submit says
            logger.info("Ray job %s not deleted: %s", job_id, exc)

    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None:
        """As `Executor.cancel`, except that the grace period is the one the job was submitted
        with: Ray's stop takes none. A job still pending leaves Ray's queue at once."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.exit_code is not None:
                return
            if job.ray_status == JobStatus.PENDING.value and job.follower is None:
                # Ray cannot take a job out of its queue: it stops it once it is scheduled.
                # The job is stopped for us now, its brief start ignored (no log copied).
                job.exit_code = STOPPED
        try:
            self._client.stop_job(job_id)
        except RuntimeError as exc:  # ended or gone already
            logger.debug("stop of Ray job %s: %s", job_id, exc)

    def _find(self, specs: list[JobSpec]) -> dict[str, Any]:
        """Jobs are found by their submission id; one Ray has never seen was never submitted."""
        return {spec.job_id: info for spec in specs if (info := self._info(spec.job_id)) is not None}

    def _adopt(self, spec: JobSpec, found: Any) -> RayJob | None:
        metadata = found.metadata or {}
        job = RayJob(
            spec,
            found.entrypoint,
            int(metadata.get(METADATA_LOG_BASE, 0)),
            submitted=float(found.start_time or 0),
        )
        with self._lock:
            if spec.job_id in self._jobs:
                return None
            self._jobs[spec.job_id] = job
        self._apply(job, found, wait_for_log=True)
        return job

    def _look_now(self, job: RayJob) -> None:
        self._refresh(job)

    def _active_status(self, job: RayJob) -> RunStatus:
        if job.ray_status == JobStatus.PENDING.value:
            waiting = sorted(
                (j.submitted, j.spec.job_id)
                for j in self._jobs.values()
                if j.exit_code is None and j.ray_status == JobStatus.PENDING.value
            )
            position = waiting.index((job.submitted, job.spec.job_id)) + 1
            return RunStatus(JobState.QUEUED, queue_position=position)
        return RunStatus(JobState.RUNNING)  # the GPU ids are Ray's to know

    def _requests(self, spec: JobSpec) -> dict[str, Any]:
        """The job's entrypoint resources: CPUs and memory at most the largest node's (when
        known, and no larger node may come), so that Ray never holds it pending forever."""
        cpus, memory = spec.cpus, None if spec.memory_gb is None else round(spec.memory_gb * GIB)
        if not self.autoscaling:
            most_cpus, most_memory = self._nodes.largest("CPU"), self._nodes.largest("memory")
            if most_cpus:
                cpus = min(cpus, most_cpus)
            if memory is not None and most_memory:
                memory = min(memory, int(most_memory))
        return {
            "entrypoint_num_cpus": cpus,
            "entrypoint_num_gpus": spec.gpu_count or None,
            "entrypoint_memory": memory,
        }

    def _check_gpus(self, spec: JobSpec) -> None:
        if spec.gpu_count <= 0 or self.autoscaling:
            return
        largest = self._nodes.largest("GPU")
        if largest is None:  # no answer is no reason to refuse the job
            return
        most = int(largest)
        if spec.gpu_count > most:
            raise ValueError(
                f"job {spec.job_id} needs {spec.gpu_count} GPU{'s' * (spec.gpu_count != 1)}; this "
                f"executor has {most} on its largest node (Ray cluster at {self.address}). "
                f"Ask for at most {most}, or set VLAD_RAY_AUTOSCALING if the cluster adds nodes."
            )

    def _info(self, job_id: str) -> Any:
        """Ray's record of the job; None when Ray has none."""
        try:
            return self._client.get_job_info(job_id)
        except RuntimeError as exc:
            if "404" in str(exc) or "does not exist" in str(exc):
                return None
            raise

    def _refresh(self, job: RayJob) -> None:
        if job.exit_code is not None:
            return
        try:
            info = self._info(job.spec.job_id)
        except (RuntimeError, ConnectionError) as exc:
            logger.warning("could not ask Ray about job %s: %s", job.spec.job_id, exc)
            return
        if info is not None:
            self._apply(job, info)

    def _apply(self, job: RayJob, info: Any, wait_for_log: bool = False) -> None:
        """Take in Ray's record; once the job has left the queue, copy its log."""
        with self._lock:
            job.ray_status = info.status.value
            job.submitted = float(info.start_time or job.submitted)
            if (
                job.ray_status == JobStatus.PENDING.value
                or job.follower is not None
                or job.exit_code is not None
            ):
                return
            job.follower = threading.Thread(
                target=self._follow, args=(job,), name=f"vlad-ray-{job.spec.job_id}", daemon=True
            )
            job.follower.start()
        if wait_for_log and info.status.is_terminal():
            job.follower.join(timeout=30)

    def _follow(self, job: RayJob) -> None:
        """Copy the job's log while it runs, then all of it once more, then record its end."""
        job_id = job.spec.job_id
        while True:
            try:
                asyncio.run(self._tail(job))
            except Exception as exc:  # noqa: BLE001 - the stream broke: follow it again
                logger.debug("log of Ray job %s: %s", job_id, exc)
            info = self._info_or_none(job_id)
            if info is None or info.status.is_terminal():
                break
            time.sleep(RETRY_SECONDS)
        # The stream may have missed the end; the full log fills in what the file lacks.
        try:
            text = self._client.get_job_logs(job_id)
        except (RuntimeError, ConnectionError) as exc:
            logger.debug("log of Ray job %s: %s", job_id, exc)
            text = ""
        lines = KernelLines(job_id, job.entrypoint)
        copy = LogCopy(job.spec.log_path, job.log_base)
        copy.feed(lines.feed(text) + lines.end())
        with self._lock:
            job.ray_status = info.status.value if info else JobStatus.FAILED.value
            job.exit_code = (
                exit_code(info.status.value, getattr(info, "driver_exit_code", None), info.message)
                if info
                else 1
            )

    async def _tail(self, job: RayJob) -> None:
        lines = KernelLines(job.spec.job_id, job.entrypoint)
        copy = LogCopy(job.spec.log_path, job.log_base)
        async for text in self._client.tail_job_logs(job.spec.job_id):
            copy.feed(lines.feed(text))
        copy.feed(lines.end())

    def _info_or_none(self, job_id: str) -> Any:
        for _ in range(30):
            try:
                return self._info(job_id)
            except (RuntimeError, ConnectionError) as exc:
                logger.debug("Ray job %s: %s", job_id, exc)
                time.sleep(RETRY_SECONDS)
        return None

    def _poll(self) -> None:
        with self._lock:
            jobs = [job for job in self._jobs.values() if job.exit_code is None]
        for job in jobs:  # one job that cannot be asked about does not hold up the others
            try:
                self._refresh(job)
            except Exception:
                logger.exception("the ray executor's watcher failed; it carries on")
