"""What a job's container is made of: its image, mounts, environment, GPUs and labels.

Plain data for the Docker Engine API (the `docker` SDK turns these dicts into its types),
so that it can be read and tested without a container engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlad.executors.base import JobSpec
from vlad.executors.environment import job_environment
from vlad.executors.machine import GIB
from vlad.executors.paths import job_paths, read_only_paths

LABEL_JOB = "vlad.job"  # every container of the platform has it: how `recover` finds them
LABEL_GPUS = "vlad.gpus"  # the GPU ids handed to it, comma-separated
LABEL_LOG_BASE = "vlad.log-base"  # the log file's size when it started (see vlad.executors.logcopy)
CONFIG_TARGET = "/vlad_training.json"


@dataclass(frozen=True)
class ContainerOptions:
    """How this platform runs containers (the `docker` executor's options)."""

    # "host": the kernel reaches the broker at the address the platform gives it
    # (VLAD_KERNEL_BROKER_HOST); None: the engine's default bridge network.
    network_mode: str | None = "host"
    # Host folders mounted read-only at the same path in every container. For images that
    # bring no Python of their own (the tests run the host's interpreter in an empty image).
    extra_mounts: tuple[str, ...] = ()
    # Run the manifest's `command` in the kernel's folder (mounted read-only) instead of the
    # image's own entrypoint; for such interpreter-only images too.
    use_manifest_command: bool = False
    user: str | None = None  # e.g. "1000:1000", so that outputs belong to the platform's user
    init: bool = True  # a tiny init as PID 1 passes SIGTERM on and reaps the kernel's children
    # Ask the engine for the GPUs by id (device requests; NVIDIA's container toolkit).
    request_gpus: bool = True


def container_name(job_id: str) -> str:
    return "vlad-" + re.sub(r"[^a-zA-Z0-9_.-]", "-", job_id)


def _bind(path: Path | str, read_only: bool, target: Path | str | None = None) -> dict[str, Any]:
    return {"Type": "bind", "Source": str(path), "Target": str(target or path), "ReadOnly": read_only}


def environment(spec: JobSpec, gpus: tuple[str, ...]) -> dict[str, str]:
    # The engine shows the container only its GPUs, numbered from 0; VLAD_GPUS keeps the
    # host's ids for the log. No GPU: CUDA_VISIBLE_DEVICES is empty, so kernels use the CPU.
    return {
        **job_environment(spec),
        "VLAD_TRAINING_CONFIG": CONFIG_TARGET,
        "CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in range(len(gpus))),
        "VLAD_GPUS": ",".join(gpus),
    }


def create_kwargs(
    spec: JobSpec,
    gpus: tuple[str, ...],
    options: ContainerOptions,
    log_base: int,
    engine_cpus: float | None = None,
) -> dict:
    """Keyword arguments of `DockerClient.containers.create` for the job. Its CPUs bound the
    container (at most `engine_cpus`, the engine's own: it refuses more), and so does its
    memory when it has a bound (beyond it the kernel is killed: exit code 137)."""
    if not spec.image:
        raise ValueError(
            f"job {spec.job_id} has no image to run: its kernel's manifest names none "
            "(`image`), and the docker executor runs kernels as containers"
        )
    # Engines mount shallow targets before deeper ones, whatever the order given here.
    mounts = [_bind(spec.config_path, True, CONFIG_TARGET)]
    mounts += [_bind(path, True) for path in options.extra_mounts]
    # The datasets and the base model are read-only: their files are shared with other jobs.
    read_only = read_only_paths(spec)
    mounts += [_bind(path, path in read_only) for path in job_paths(spec)]
    kwargs: dict[str, Any] = {
        "image": spec.image,
        "name": container_name(spec.job_id),
        "environment": environment(spec, gpus),
        "labels": {
            **spec.labels,
            LABEL_JOB: spec.job_id,
            LABEL_GPUS: ",".join(gpus),
            LABEL_LOG_BASE: str(log_base),
        },
        "init": options.init,
        "nano_cpus": round(min(spec.cpus, engine_cpus or spec.cpus) * 1e9),
    }
    if spec.memory_gb is not None:
        kwargs["mem_limit"] = round(spec.memory_gb * GIB)
    if options.use_manifest_command:
        if not spec.command:
            raise ValueError(f"job {spec.job_id} has no command to run in its image")
        kwargs["command"] = list(spec.command)
        kwargs["working_dir"] = str(spec.workdir)
        mounts.append(_bind(spec.workdir, True))
    kwargs["mounts"] = mounts
    if options.network_mode:
        kwargs["network_mode"] = options.network_mode
    if options.user:
        kwargs["user"] = options.user
    if gpus and options.request_gpus:
        kwargs["device_requests"] = [
            {"driver": "nvidia", "device_ids": list(gpus), "capabilities": [["gpu"]]}
        ]
    return kwargs
