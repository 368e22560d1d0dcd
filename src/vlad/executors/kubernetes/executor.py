"""Runs each kernel as a batch/v1 Job of a Kubernetes cluster, through the official client."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException

from vlad.executors.base import Capacity, ExecutorUnavailable, JobSpec, JobState, RunStatus, pick
from vlad.executors.common import STOPPED, VANISHED, note_in_log
from vlad.executors.kubernetes.manifests import (
    ANNOTATION_JOB,
    ANNOTATION_LOG_BASE,
    CONTAINER,
    LABEL_JOB,
    KubernetesOptions,
    job_manifest,
    label_value,
    resource_name,
    secret_manifest,
)
from vlad.executors.kubernetes.observe import QUEUED, Observed, observe
from vlad.executors.logcopy import LogCopy, log_size
from vlad.executors.tracking import ClusterExecutor, TrackedJob

logger = logging.getLogger(__name__)
RETRY_SECONDS = 1.0
FORGET_SECONDS = 60.0  # how long `forget` waits for a deleted Job to be gone


@dataclass
class KubeJob(TrackedJob):
    name: str  # of its Job and Secret
    log_base: int
    observed: Observed = QUEUED
    cancelled: bool = False
    follower: threading.Thread | None = field(default=None, repr=False)


class KubernetesExecutor(ClusterExecutor[KubeJob]):
    """Kernels as Kubernetes Jobs (backoffLimit 0), one pod each, found again by label.

    The config file is a Secret mounted at /vlad_training.json; the job's folders are on a
    PersistentVolumeClaim mounted at the platform's data folder path, the same in the
    platform's pod and the jobs' (see `manifests.check_paths`). GPUs are requested as
    `nvidia.com/gpu` limits and scheduled by Kubernetes: a pod still pending is QUEUED
    (no position: the scheduler's queue is its own). Exit codes: the kernel container's;
    -15 for a job cancelled or ended by activeDeadlineSeconds before it could say. A pod
    that cannot pull its image stays pending: activeDeadlineSeconds bounds that too.
    `cleanup` deletes the Job (and its pod) and the Secret. Once closed, the executor's
    followers finish copying the logs of running pods, and `status` asks the cluster.
    A job's CPUs and memory are its pod's requests (see `manifests.resources`); the
    capacity counts only jobs in flight, at most `max_jobs` (None: no cap): the cluster's
    own scheduler places pods, and a job beyond the cap waits in the platform's queue.
    Not yet tried on a live cluster: its tests use a fake API (tests/unit/executors).
    """

    name = "kubernetes"
    resubmit_errors = (ValueError, ApiException)

    def __init__(
        self,
        namespace: str = "default",
        data_claim: str | None = None,
        data_path: str | None = None,
        active_deadline_seconds: int | None = None,
        grace_seconds: float = 10.0,
        poll_seconds: float | None = 2.0,
        max_jobs: int | None = None,
        batch_api: Any = None,
        core_api: Any = None,
    ) -> None:
        super().__init__(grace_seconds)
        self.options = KubernetesOptions(
            namespace, data_claim or None, data_path, active_deadline_seconds or None, grace_seconds
        )
        if batch_api is None or core_api is None:
            try:
                config.load_incluster_config()
            except config.ConfigException:
                try:
                    config.load_kube_config()
                except (config.ConfigException, OSError) as exc:
                    raise ExecutorUnavailable(
                        f"the kubernetes executor finds no cluster: not in a pod, and no kubeconfig ({exc})"
                    ) from exc
            batch_api, core_api = client.BatchV1Api(), client.CoreV1Api()
        self._batch, self._core = batch_api, core_api
        self.max_jobs = max_jobs or None
        if poll_seconds:
            self._start_watcher(poll_seconds)

    @classmethod
    def options_from(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        options = pick(
            settings,
            namespace="kubernetes_namespace",
            data_claim="kubernetes_data_claim",
            active_deadline_seconds="kubernetes_active_deadline_seconds",
            max_jobs="kubernetes_max_jobs",
        )
        if settings.get("data_dir") is not None:  # the same path in the platform's pod and the jobs'
            options["data_path"] = str(Path(settings["data_dir"]).resolve())
        return {**super().options_from(settings), **options}

    @property
    def namespace(self) -> str:
        return self.options.namespace

    def capacity(self) -> Capacity:
        return Capacity(jobs=self.max_jobs, where=f"Kubernetes namespace {self.namespace}")

    def _create(self, spec: JobSpec) -> KubeJob | None:
        base = log_size(spec.log_path)
        job_body = job_manifest(spec, self.options, base)  # ValueError: can never run here
        name = job_body["metadata"]["name"]
        self._put_secret(secret_manifest(spec, self.options))
        try:
            created = self._batch.create_namespaced_job(self.namespace, job_body)
        except ApiException as exc:
            if exc.status != 409:
                raise
            return None  # created already (by a platform now gone)
        owner = {"apiVersion": "batch/v1", "kind": "Job", "name": name, "uid": created.metadata.uid}
        try:  # the Secret goes when its Job goes
            self._core.patch_namespaced_secret(
                name, self.namespace, {"metadata": {"ownerReferences": [owner]}}
            )
        except ApiException as exc:
            logger.warning("job %s: could not make its Job own its Secret: %s", spec.job_id, exc)
        return KubeJob(spec, name, base)

    def cancel(self, job_id: str, grace_seconds: float | None = None) -> None:
        """As `Executor.cancel`: its pod is deleted with the grace period (SIGTERM, then
        SIGKILL), then its Job. The job ends with -15 (or the kernel's code, if seen first)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.exit_code is not None:
                return
            job.cancelled = True
        grace = self.options.grace_seconds if grace_seconds is None else grace_seconds
        selector = f"{LABEL_JOB}={label_value(job_id)}"
        self._ignore_missing(
            self._core.delete_collection_namespaced_pod,
            self.namespace,
            label_selector=selector,
            grace_period_seconds=max(0, math.ceil(grace)),
        )
        self._ignore_missing(
            self._batch.delete_namespaced_job,
            job.name,
            self.namespace,
            grace_period_seconds=max(0, math.ceil(grace)),
            propagation_policy="Background",
        )
        with self._lock:
            if job.follower is None and job.exit_code is None:  # no pod ran: nothing to wait for
                job.exit_code = STOPPED

    def _find(self, specs: list[JobSpec]) -> dict[str, Any]:
        """Jobs are found by their `vlad.job` label; a job without one was never created."""
        listed = self._batch.list_namespaced_job(self.namespace, label_selector=LABEL_JOB).items
        found: dict[str, Any] = {}
        for k8s_job in listed:
            job_id = (k8s_job.metadata.annotations or {}).get(ANNOTATION_JOB)
            if job_id:
                found[job_id] = k8s_job
        return found

    def _adopt(self, spec: JobSpec, found: Any) -> KubeJob | None:
        base = int((found.metadata.annotations or {}).get(ANNOTATION_LOG_BASE, 0))
        job = KubeJob(spec, found.metadata.name, base)
        with self._lock:
            if spec.job_id in self._jobs:
                return None
            self._jobs[spec.job_id] = job
        return job

    def _took_back(self, jobs: Sequence[KubeJob]) -> None:
        self.refresh()
        for job in jobs:  # those that ended while no platform watched: their log now
            if job.observed.state is JobState.EXITED and job.follower is not None:
                job.follower.join(timeout=30)

    def _forget_elsewhere(self, job_id: str) -> None:
        """The next attempt's Job takes this name: wait until the deleted one is gone (a Job
        being deleted still answers, and creating it again would meet a 409)."""
        name = resource_name(job_id)
        self._ignore_missing(
            self._batch.delete_namespaced_job, name, self.namespace, propagation_policy="Background"
        )
        self._ignore_missing(self._core.delete_namespaced_secret, name, self.namespace)
        deadline = time.monotonic() + FORGET_SECONDS
        while True:
            try:
                self._batch.read_namespaced_job(name, self.namespace)
            except ApiException as exc:
                if exc.status == 404:
                    return
                raise
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Kubernetes Job {name} is still being deleted; try again later")
            time.sleep(0.5)

    def _discard(self, job: KubeJob) -> None:
        self._ignore_missing(
            self._batch.delete_namespaced_job, job.name, self.namespace, propagation_policy="Background"
        )
        self._ignore_missing(self._core.delete_namespaced_secret, job.name, self.namespace)

    def _look_now(self, job: KubeJob) -> None:
        self.refresh()

    def _poll(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Ask the cluster about every job not yet ended: two list calls, whatever their number."""
        with self._lock:
            pending = [job for job in self._jobs.values() if job.exit_code is None]
        if not pending:
            return
        jobs = self._batch.list_namespaced_job(self.namespace, label_selector=LABEL_JOB).items
        pods = self._core.list_namespaced_pod(self.namespace, label_selector=LABEL_JOB).items
        by_name = {j.metadata.name: j for j in jobs}
        for job in pending:
            label = label_value(job.spec.job_id)
            own_pods = [p for p in pods if (p.metadata.labels or {}).get(LABEL_JOB) == label]
            k8s_job = by_name.get(job.name)
            self._apply(job, observe(k8s_job, own_pods) if k8s_job is not None else None)

    def _apply(self, job: KubeJob, observed: Observed | None) -> None:
        with self._lock:
            if job.exit_code is not None:
                return
            if observed is None:  # its Job is gone
                if job.follower is None:
                    job.exit_code = STOPPED if job.cancelled else VANISHED
                    if not job.cancelled:
                        note_in_log(job.spec.log_path, "its Kubernetes Job was deleted by someone else")
                return
            job.observed = observed
            if job.follower is not None:
                return
            if observed.state is JobState.EXITED and observed.pod is None:  # ended before a pod ran
                if observed.note:
                    note_in_log(job.spec.log_path, observed.note)
                job.exit_code = observed.exit_code
                return
            if observed.pod is None or observed.state is JobState.QUEUED:
                return
            job.follower = threading.Thread(
                target=self._follow, args=(job, observed.pod), name=f"vlad-k8s-{job.spec.job_id}", daemon=True
            )
            job.follower.start()

    def _active_status(self, job: KubeJob) -> RunStatus:
        if job.observed.state is JobState.QUEUED:
            return RunStatus(JobState.QUEUED)
        return RunStatus(JobState.RUNNING)  # also while its ended pod's log is copied

    def _follow(self, job: KubeJob, pod: str) -> None:
        """Copy the pod's log until the kernel ends, then record how it ended."""
        while True:
            try:
                response = self._core.read_namespaced_pod_log(
                    pod, self.namespace, container=CONTAINER, follow=True, _preload_content=False
                )
                copy = LogCopy(job.spec.log_path, job.log_base)
                try:
                    for chunk in response.stream():
                        copy.feed(chunk)
                finally:
                    response.release_conn()
            except ApiException as exc:  # 400: the container is not running yet; 404: pod gone
                logger.debug("log of pod %s: %s", pod, exc)
                if exc.status == 404:
                    break
            except Exception as exc:  # noqa: BLE001 - the stream broke: follow it again
                logger.debug("log of pod %s: %s", pod, exc)
            observed = self._observe(job)
            if observed is None or observed.state is JobState.EXITED:
                break
            time.sleep(RETRY_SECONDS)
        observed = self._observe(job)
        with self._lock:
            if observed is not None:
                job.observed = observed
            if observed is not None and observed.state is JobState.EXITED:
                code = observed.exit_code
                if observed.note:
                    note_in_log(job.spec.log_path, observed.note)
            else:  # its Job was deleted: cancelled, or by someone else
                code = STOPPED if job.cancelled else VANISHED
            job.exit_code = code if code is not None else 1

    def _observe(self, job: KubeJob) -> Observed | None:
        """The job's state asked of the cluster now; None when its Job is gone."""
        try:
            k8s_job = self._batch.read_namespaced_job(job.name, self.namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        selector = f"{LABEL_JOB}={label_value(job.spec.job_id)}"
        return observe(k8s_job, self._core.list_namespaced_pod(self.namespace, label_selector=selector).items)

    def _put_secret(self, body: dict[str, Any]) -> None:
        try:
            self._core.create_namespaced_secret(self.namespace, body)
        except ApiException as exc:
            if exc.status != 409:
                raise
            self._core.replace_namespaced_secret(body["metadata"]["name"], self.namespace, body)

    @staticmethod
    def _ignore_missing(call: Any, *args: Any, **kwargs: Any) -> None:
        try:
            call(*args, **kwargs)
        except ApiException as exc:
            if exc.status != 404:
                raise
