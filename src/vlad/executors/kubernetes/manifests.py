"""The Kubernetes objects of one job: a batch/v1 Job running the kernel's image, and a
Secret holding its vlad_training.json. Plain dicts, checked against the OpenAPI schemas
in the tests and accepted as they are by the `kubernetes` client."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlad.executors.base import JobSpec
from vlad.executors.environment import job_environment
from vlad.executors.paths import job_paths, read_only_paths

LABEL_JOB = "vlad.job"  # on the Job, its pod and the Secret: how the executor finds them
ANNOTATION_JOB = "vlad.job"  # the job id as it is (a label value may have had to change)
ANNOTATION_LOG_BASE = "vlad.log-base"  # the log file's size at submission (vlad.executors.logcopy)
CONFIG_KEY = "vlad_training.json"
CONFIG_TARGET = "/vlad_training.json"
CONTAINER = "kernel"
GPU_RESOURCE = "nvidia.com/gpu"


@dataclass(frozen=True)
class KubernetesOptions:
    namespace: str = "default"
    # The PersistentVolumeClaim holding the platform's data folder, mounted at `data_path`
    # (the same path as in the platform's own pod), so that the config's paths hold as written.
    data_claim: str | None = None
    data_path: str | None = None
    active_deadline_seconds: int | None = None  # Kubernetes ends a job running longer
    grace_seconds: float = 10.0  # SIGTERM to SIGKILL when a pod is deleted


def resource_name(job_id: str) -> str:
    """A DNS-1123 name (at most 63 characters) for the job's Job and Secret."""
    name = "vlad-" + re.sub(r"[^a-z0-9-]+", "-", job_id.lower()).strip("-")
    if name[5:] != job_id or len(name) > 63:  # changed: keep it unique with a hash of the id
        name = f"{name[:54].rstrip('-')}-{hashlib.sha1(job_id.encode()).hexdigest()[:8]}"
    return name


def label_value(value: str) -> str:
    """A valid label value (63 characters of [A-Za-z0-9-_.], alphanumeric at both ends)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", value)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)


def labels_of(spec: JobSpec) -> dict[str, str]:
    return {**{k: label_value(v) for k, v in spec.labels.items()}, LABEL_JOB: label_value(spec.job_id)}


def check_paths(spec: JobSpec, options: KubernetesOptions) -> None:
    """Raise ValueError when a folder of the job is not on the data volume."""
    if not options.data_claim or not options.data_path:
        raise ValueError(
            "the kubernetes executor needs the data volume: set VLAD_KUBERNETES_DATA_CLAIM to the "
            "PersistentVolumeClaim that holds the data folder (VLAD_DATA_DIR)"
        )
    root = Path(options.data_path)
    for path in job_paths(spec):
        if not path.is_relative_to(root):
            raise ValueError(
                f"job {spec.job_id} uses {path}, which is not under {root}, where the data volume "
                f"(PersistentVolumeClaim {options.data_claim}) is mounted; keep the data folder "
                "(VLAD_DATA_DIR) on that volume"
            )


def secret_manifest(spec: JobSpec, options: KubernetesOptions) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": resource_name(spec.job_id),
            "namespace": options.namespace,
            "labels": labels_of(spec),
            "annotations": {ANNOTATION_JOB: spec.job_id},
        },
        "type": "Opaque",
        "stringData": {CONFIG_KEY: spec.config_path.read_text()},
    }


def data_mounts(spec: JobSpec, options: KubernetesOptions) -> list[dict[str, Any]]:
    """Only the job's own paths of the data volume, each at its own path (subPath): never the
    whole data folder, which holds every other job, the platform's secrets and its database.
    The datasets and the base model are read-only."""
    root, read_only = Path(options.data_path or "/"), read_only_paths(spec)
    return [
        {
            "name": "data",
            "mountPath": str(path),
            "subPath": path.relative_to(root).as_posix(),
            "readOnly": path in read_only,
        }
        for path in job_paths(spec)
    ]


def environment(spec: JobSpec) -> list[dict[str, str]]:
    env = {**job_environment(spec), "VLAD_TRAINING_CONFIG": CONFIG_TARGET}
    if spec.gpu_count == 0:
        env["CUDA_VISIBLE_DEVICES"] = ""  # as on every executor: no GPU, the kernel uses the CPU
    return [{"name": name, "value": value} for name, value in env.items()]


def resources(spec: JobSpec) -> dict[str, dict[str, str]]:
    """The pod's requests (what the scheduler places it by) and limits. Memory is limited as
    well as requested: beyond it the kernel is killed, not its node's other pods. CPUs are
    not: a CPU limit would throttle the kernel, whose thread pools already follow its request."""
    cpu = str(int(spec.cpus)) if spec.cpus == int(spec.cpus) else f"{max(1, round(spec.cpus * 1000))}m"
    requests, limits = {"cpu": cpu}, {}
    if spec.memory_gb is not None:
        requests["memory"] = limits["memory"] = f"{max(1, round(spec.memory_gb * 1024))}Mi"
    if spec.gpu_count > 0:
        limits[GPU_RESOURCE] = str(spec.gpu_count)
    return {"requests": requests, "limits": limits} if limits else {"requests": requests}


def job_manifest(spec: JobSpec, options: KubernetesOptions, log_base: int) -> dict[str, Any]:
    if not spec.image:
        raise ValueError(
            f"job {spec.job_id} has no image to run: its kernel's manifest names none "
            "(`image`), and the kubernetes executor runs kernels as containers"
        )
    check_paths(spec, options)
    name, labels = resource_name(spec.job_id), labels_of(spec)
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": spec.image,
        "env": environment(spec),
        "volumeMounts": [
            {"name": "config", "mountPath": CONFIG_TARGET, "subPath": CONFIG_KEY, "readOnly": True},
            *data_mounts(spec, options),
        ],
        "resources": resources(spec),
    }
    job_spec: dict[str, Any] = {
        "backoffLimit": 0,  # a kernel that failed has said why; running it again would not help
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "restartPolicy": "Never",
                "terminationGracePeriodSeconds": max(1, math.ceil(options.grace_seconds)),
                "containers": [container],
                "volumes": [
                    {"name": "config", "secret": {"secretName": name}},
                    {"name": "data", "persistentVolumeClaim": {"claimName": options.data_claim}},
                ],
            },
        },
    }
    if options.active_deadline_seconds:
        job_spec["activeDeadlineSeconds"] = options.active_deadline_seconds
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": options.namespace,
            "labels": labels,
            "annotations": {ANNOTATION_JOB: spec.job_id, ANNOTATION_LOG_BASE: str(log_base)},
        },
        "spec": job_spec,
    }
