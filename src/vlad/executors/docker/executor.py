"""Runs each kernel as a container through the Docker Engine API (Docker, or Podman's
Docker-compatible service), one follower thread per running container."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from functools import cached_property
from typing import Any

import docker
from docker.errors import DockerException, ImageNotFound, NotFound
from requests.exceptions import RequestException

from vlad.executors.base import ExecutorUnavailable, JobSpec, pick
from vlad.executors.common import CANNOT_START, STOPPED, VANISHED, note_in_log
from vlad.executors.docker.container import (
    LABEL_GPUS,
    LABEL_JOB,
    LABEL_LOG_BASE,
    ContainerOptions,
    create_kwargs,
)
from vlad.executors.docker.job import ContainerJob
from vlad.executors.logcopy import LogCopy, log_size
from vlad.executors.machine import GIB, usable_cpus, usable_memory_gb
from vlad.executors.tracking import PooledExecutor

logger = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
ENDED_STATES = ("exited", "dead", "stopped")  # Docker's and Podman's words for it
ENGINE_ERRORS = (DockerException, RequestException)


class DockerExecutor(PooledExecutor[ContainerJob]):
    """Kernels as containers of one Docker Engine (or Podman service), sharing the GPU ids
    in `gpus` through the same FIFO queue as the local executor.

    The config file is mounted read-only at /vlad_training.json and every folder it names
    at its own path, so the file needs no rewriting. Exit codes are the container's (128 + n
    when signal n ended it), except -9 after the hard kill of `cancel`, -15 for a job
    cancelled while queued and 127 when the container could not be created or started (its
    log says why). Containers carry the job id as a label and outlive the platform: `recover`
    finds them, and `cleanup` removes them.

    Its capacity is the engine's machine (its CPUs and memory as the engine reports them;
    `cpus`, `memory_gb` override them) and the GPU ids in `gpus`. A job's CPUs bound its
    container (`nano_cpus`) and size its thread pools; its memory, when bounded, too.
    """

    name = "docker"

    def __init__(
        self,
        base_url: str | None = None,
        gpus: list[str] | None = None,
        grace_seconds: float = 10.0,
        cpus: float | None = None,
        memory_gb: float | None = None,
        network_mode: str | None = "host",
        extra_mounts: Sequence[str] = (),
        use_manifest_command: bool = False,
        user: str | None = None,
        init: bool = True,
        request_gpus: bool = True,
    ) -> None:
        super().__init__(gpus, grace_seconds, cpus, memory_gb)
        self.options = ContainerOptions(
            network_mode=network_mode or None,
            extra_mounts=tuple(str(p) for p in extra_mounts),
            use_manifest_command=use_manifest_command,
            user=user or None,
            init=init,
            request_gpus=request_gpus,
        )
        where = base_url or os.environ.get("DOCKER_HOST") or "the default socket"
        self.where = f"the container engine at {where}"
        try:
            self._client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
            self._client.ping()
        except ENGINE_ERRORS as exc:
            raise ExecutorUnavailable(
                f"the docker executor cannot reach a Docker Engine API at {where}: {exc}. Start "
                "Docker or Podman's service (scripts/podman-service.sh) and set VLAD_DOCKER_BASE_URL"
            ) from exc

    @classmethod
    def options_from(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **super().options_from(settings),
            **pick(
                settings,
                base_url="docker_base_url",
                network_mode="docker_network_mode",
                extra_mounts="docker_extra_mounts",
                use_manifest_command="docker_use_manifest_command",
                user="docker_user",
            ),
        }

    @cached_property
    def _machine(self) -> tuple[float | None, float | None]:
        """The engine's machine (NCPU, MemTotal of its /info), which may not be this one (a
        remote engine, Podman's VM); this machine's when the engine does not say."""
        try:
            info = self._client.info()
            cpus, memory = float(info["NCPU"]), int(info["MemTotal"])
            if cpus > 0 and memory > 0:
                return cpus, round(memory / GIB, 2)
        except (*ENGINE_ERRORS, KeyError, TypeError, ValueError) as exc:
            logger.warning("the container engine did not say its CPUs and memory (%s)", exc)
        return usable_cpus(), usable_memory_gb()

    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None:
        """As `Executor.cancel`: SIGTERM to the container (its init passes it on to the
        kernel), SIGKILL after the grace period."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.ended or self._cancel_queued(job):
                return
            job.stopping = True
            container_id = job.container_id
        if container_id is not None:  # else its follower signals it once it exists
            self._signal(container_id, "SIGTERM")
        self._kill_after(job_id, grace_seconds)

    def _check(self, spec: JobSpec) -> None:
        create_kwargs(spec, (), self.options, 0)  # refuses a spec that can never run here

    def _new_job(self, spec: JobSpec) -> ContainerJob:
        return ContainerJob(spec)

    def _find(self, specs: list[JobSpec]) -> dict[str, Any]:
        """Containers are found by their `vlad.job` label; a job without one was queued."""
        return {
            c.labels.get(LABEL_JOB): c
            for c in self._client.containers.list(all=True, filters={"label": LABEL_JOB})
        }

    def _adopt(self, spec: JobSpec, found: Any) -> ContainerJob | None:
        labels = found.labels
        gpus = tuple(g for g in labels.get(LABEL_GPUS, "").split(",") if g)
        job = ContainerJob(
            spec, gpus=gpus, container_id=found.id, log_base=int(labels.get(LABEL_LOG_BASE, 0))
        )
        state = found.attrs.get("State", {})
        with self._lock:
            if spec.job_id in self._jobs:
                return None
            self._jobs[spec.job_id] = job
            if state.get("Status") in ENDED_STATES:
                LogCopy(spec.log_path, job.log_base).feed(found.logs())
                job.exit_code = job.exit_code_of(int(state.get("ExitCode", -1)))
                return job
            self._pool.claim(spec.job_id, gpus)
            self._start_follower(job)
            return job

    def _discard(self, job: ContainerJob) -> None:
        with self._lock:
            container_id = job.container_id
        if container_id is not None:
            with suppress(NotFound):
                self._client.api.remove_container(container_id, force=True)

    def _launch(self, job: ContainerJob, gpus: tuple[str, ...]) -> None:
        job.gpus = gpus
        self._start_follower(job)

    def _start_follower(self, job: ContainerJob) -> None:
        job.follower = threading.Thread(
            target=self._follow, args=(job,), name=f"vlad-docker-{job.spec.job_id}", daemon=True
        )
        job.follower.start()

    def _follow(self, job: ContainerJob) -> None:
        """Create and start the container when needed, copy its log, and record its end."""
        try:
            container = self._container_of(job)
        except ENGINE_ERRORS as exc:
            logger.warning("job %s: its container could not be started: %s", job.spec.job_id, exc)
            note_in_log(job.spec.log_path, f"the container could not be started: {exc}")
            with self._lock:
                self._finish(job, CANNOT_START)
            return
        if container is None:  # cancelled before it was created
            return
        while True:
            try:
                copy = LogCopy(job.spec.log_path, job.log_base)
                for chunk in container.logs(stream=True, follow=True):
                    copy.feed(chunk)
                code = int(container.wait()["StatusCode"])
                break
            except NotFound:
                note_in_log(job.spec.log_path, "the container was removed by someone else")
                code = VANISHED
                break
            except ENGINE_ERRORS as exc:
                logger.warning(
                    "job %s: lost its container's log (%s); following it again", job.spec.job_id, exc
                )
                time.sleep(RETRY_SECONDS)
        with self._lock:
            self._finish(job, job.exit_code_of(code))

    def _container_of(self, job: ContainerJob) -> Any:
        """The job's container, running; None when the job was cancelled before it existed."""
        if job.container_id is not None:  # adopted after a restart
            container = self._client.containers.get(job.container_id)
            if container.status in ("created", "configured"):
                container.start()
            return container
        with self._lock:
            if job.stopping:
                self._finish(job, STOPPED)
                return None
        gpus = job.gpus or ()
        try:
            self._client.images.get(job.spec.image)
        except ImageNotFound:
            note_in_log(job.spec.log_path, f"pulling image {job.spec.image}")
            self._client.images.pull(job.spec.image)
        job.log_base = log_size(job.spec.log_path)
        engine_cpus = self._machine[0]
        container = self._client.containers.create(
            **create_kwargs(job.spec, gpus, self.options, job.log_base, engine_cpus)
        )
        try:
            container.start()
        except ENGINE_ERRORS:
            with suppress(*ENGINE_ERRORS):
                container.remove(force=True)
            raise
        with self._lock:
            job.container_id = container.id
            stopping = job.stopping
        if stopping:  # cancel came while the container was being made
            self._signal(container.id, "SIGTERM")
        return container

    def _kill(self, job_id: str) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.ended:
                return
            job.killed = True
            container_id = job.container_id
        if container_id is not None:
            self._signal(container_id, "SIGKILL")

    def _signal(self, container_id: str, signal_name: str) -> None:
        try:
            self._client.api.kill(container_id, signal=signal_name)
        except ENGINE_ERRORS as exc:  # gone or ended already
            logger.debug("%s to container %s: %s", signal_name, container_id, exc)
