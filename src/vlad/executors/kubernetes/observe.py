"""What a Kubernetes Job and its pod say about a job: queued, running or ended, and how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vlad.executors.base import JobState
from vlad.executors.common import STOPPED
from vlad.executors.kubernetes.manifests import CONTAINER


@dataclass(frozen=True)
class Observed:
    state: JobState  # QUEUED (pod not yet running: the scheduler queues it), RUNNING or EXITED
    exit_code: int | None = None  # when EXITED
    pod: str | None = None  # the pod whose log is the job's
    note: str | None = None  # a line for the job's log, when Kubernetes ended it


QUEUED = Observed(JobState.QUEUED)


def newest_pod(pods: list[Any]) -> Any:
    return max(pods, key=lambda p: (p.metadata.creation_timestamp is not None, p.metadata.creation_timestamp))


def kernel_exit_code(pod: Any) -> int | None:
    """The kernel container's exit code once it has terminated."""
    for status in (pod.status.container_statuses or []) if pod is not None and pod.status else []:
        if status.name == CONTAINER and status.state is not None and status.state.terminated is not None:
            return int(status.state.terminated.exit_code)
    return None


def observe(job: Any, pods: list[Any]) -> Observed:
    """The job's state from its batch/v1 Job and the pods it made."""
    pod = newest_pod(pods) if pods else None
    pod_name = pod.metadata.name if pod is not None else None
    code = kernel_exit_code(pod)
    conditions = {
        c.type: c for c in ((job.status.conditions or []) if job.status else []) if c.status == "True"
    }
    if "Complete" in conditions:
        return Observed(JobState.EXITED, 0 if code is None else code, pod_name)
    if "Failed" in conditions:
        reason = conditions["Failed"].reason
        if reason == "DeadlineExceeded":
            seconds = job.spec.active_deadline_seconds
            note = f"Kubernetes stopped the job: it ran longer than its activeDeadlineSeconds ({seconds})"
            return Observed(JobState.EXITED, STOPPED if code is None else code, pod_name, note)
        return Observed(JobState.EXITED, 1 if code is None else code, pod_name)
    if pod is None:
        return QUEUED
    if code is not None:  # the Job's conditions lag behind its pod
        return Observed(JobState.EXITED, code, pod_name)
    phase = pod.status.phase if pod.status else None
    if phase == "Running":
        return Observed(JobState.RUNNING, pod=pod_name)
    if phase in ("Succeeded", "Failed"):
        return Observed(JobState.EXITED, 0 if phase == "Succeeded" else 1, pod_name)
    return Observed(JobState.QUEUED, pod=pod_name)  # Pending: unscheduled, or its image is pulled
