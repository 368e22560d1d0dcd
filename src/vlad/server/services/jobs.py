"""Launching created jobs (services.new_job): folders, vlad_training.json, model.json, the executor."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vlad.contract import Operation, TrainingConfig
from vlad.executors import Executor, JobSpec, JobState
from vlad.server.db import Database
from vlad.server.models import Dataset, Job, Kernel, Model, Project, Validation, utcnow
from vlad.server.services import confined, graphs, restarts
from vlad.server.services.errors import Conflict, NotFound
from vlad.server.services.launch import StopJob
from vlad.server.services.new_job import CPU_FALLBACK, on_cpu_by_default, upload_folder
from vlad.server.services.staging import S3Fetch, download_s3, stage
from vlad.server.services.states import ACTIVE, JobStatus
from vlad.storage import ObjectStore, StorageError, TransferLog, log_writer

log = logging.getLogger("vlad.jobs")


@dataclass(frozen=True)
class BrokerInfo:
    """How kernels reach the broker (written into vlad_training.json, never logged)."""

    host: str
    port: int
    user: str
    password: str
    queue: str


class JobLauncher:
    """Prepares a created job's files and hands it to an executor (outside any transaction)."""

    def __init__(
        self,
        db: Database,
        executors: dict[str, Executor],
        broker: BrokerInfo,
        uploads_dir: Path,
        store: ObjectStore | None = None,
    ) -> None:
        self.db = db
        self.executors = executors
        self.broker = broker
        self.uploads_dir = uploads_dir
        self.store = store  # for s3:// datasets
        self.notify: Callable[[list[str]], None] = lambda job_ids: None
        # Called with jobs put back in the queue to be prepared again (a restarted attempt).
        self.requeue: Callable[[list[str]], None] = lambda job_ids: None
        # More staging for jobs of one source (job.source), e.g. "dlaas": its data bucket.
        # Called with (job id, job folder) after the datasets are staged, before the kernel starts.
        self.stagers: dict[str, Callable[[str, Path], None]] = {}

    def executor_for(self, job: Job) -> Executor:
        return self.executors[job.executor]

    def prepare_job(self, job_id: str) -> bool:
        """Stage the job's datasets and write its files, then mark it prepared for the
        scheduler; a job that cannot be prepared is failed with the reason. True when prepared."""
        try:
            with self.db.session() as session:
                job = session.get(Job, job_id)
                if job is None or job.status not in ACTIVE or job.prepared_at is not None:
                    return False
                extra_files, attempt = list(job.extra_files or []), job.attempt
            spec = self.prepare(job_id, extra_files) if attempt == 1 else self.prepare_attempt(job_id)
            with self.db.session() as session:
                job = session.get(Job, job_id)
                kernel = session.get(Kernel, job.kernel_id)
                if on_cpu_by_default(kernel, spec.gpu_count, self._gpu_capacity(job)):
                    job.gpu_count = 0
                    log_writer(spec.log_path)(CPU_FALLBACK)
                job.prepared_at = job.updated_at = utcnow()
                job.wait_reason = None
            return True
        except Exception as exc:  # noqa: BLE001 - the person sees why the job did not start
            log.exception("job %s could not be prepared", job_id)
            if self.fail(job_id, f"The job could not start: {exc}"):
                self.notify([job_id])
            return False

    def _gpu_capacity(self, job: Job) -> int | None:
        """The GPUs its executor has; None when it cannot tell or cannot be reached now (the
        job then waits in the queue, saying why, rather than failing)."""
        try:
            return self.executor_for(job).gpu_capacity()
        except Exception:  # noqa: BLE001 - ExecutorUnavailable, a cluster's client errors
            return None

    def submit(self, job_id: str) -> None:
        """Hand a placed job to its executor; a job that cannot start is failed with the
        reason. A job stopped while it was handed over is cancelled again at once."""
        try:
            spec = self.spec(job_id)
            with self.db.session() as session:
                job = session.get(Job, job_id)
                executor, attempt = self.executor_for(job), job.attempt
            if attempt > 1:  # the ended attempt's records go first (idempotent)
                executor.forget(job_id)
            executor.submit(spec)
        except Exception as exc:  # noqa: BLE001 - the person sees why the job did not start
            log.exception("job %s could not start", job_id)
            if self.fail(job_id, f"The job could not start: {exc}"):
                self.notify([job_id])
            return
        with self.db.session() as session:
            job = session.get(Job, job_id)
            still_active = job is not None and job.status in ACTIVE
        if not still_active:  # stopped (or deleted) between its placement and now
            executor.cancel(job_id)

    def restart(self, job_id: str, reason: str, exit_code: int | None, log_tail: str) -> bool:
        """Queue the next attempt of an active job whose attempt ended without an outcome,
        when its restart policy allows (services.restarts); False: it did not."""
        if not restarts.restart(self.db, job_id, reason, exit_code, log_tail):
            return False
        with self.db.session() as session:
            job = session.get(Job, job_id)
            executor = self.executor_for(job) if job is not None else None
        if executor is not None:
            try:
                executor.forget(job_id)
            except Exception:  # noqa: BLE001 - `submit` forgets it again before the next attempt
                log.exception("job %s: its ended attempt could not be forgotten yet", job_id)
        self.requeue([job_id])
        return True

    def prepare_attempt(self, job_id: str) -> JobSpec:
        """The files of a restarted job's next attempt: its datasets and extra files are in
        place; vlad_training.json is written again with `resume_path`, its newest checkpoint."""
        with self.db.session() as session:
            job = session.get(Job, job_id)
            config, _ = self._config(session, job)
            attempt = job.attempt
        job_dir = Path(job.job_dir)
        output = job_dir / "output"
        graphs.mark_attempt_start(output)
        found = restarts.newest_checkpoint(output)
        note = log_writer(job_dir / "kernel.log")
        if found is None:
            note(f"attempt {attempt}: no checkpoint under save/checkpoints/; the kernel starts over")
        else:
            note(f"attempt {attempt}: resuming from the checkpoint of step {found[0]} ({found[1]})")
        etc = job_dir / "etc"
        config = config.model_copy(
            update={
                "resume_path": str(found[1]) if found else None,
                "etc_path": str(etc) if etc.is_dir() else None,
            }
        )
        _write_config(job_dir, config)
        return self.spec(job_id)

    def fail(self, job_id: str, message: str, exit_code: int | None = None) -> bool:
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is None or job.status not in ACTIVE:
                return False
            job.status, job.message, job.exit_code = JobStatus.FAILED.value, message, exit_code
            job.finished_at = job.updated_at = utcnow()
        return True

    def prepare(self, job_id: str, extra_files: list[str]) -> JobSpec:
        """Write the job's folders and files; return its spec."""
        with self.db.session() as session:
            job = session.get(Job, job_id)
            sources = [(session.get(Dataset, jd.dataset_id), jd.role) for jd in job.datasets]
            config, hyperparameters = self._config(session, job)
        job_dir = Path(job.job_dir)
        for sub in ("dataset", "temp", "output"):
            (job_dir / sub).mkdir(parents=True, exist_ok=True)
        note = log_writer(job_dir / "kernel.log")
        stage([(d.name, d.location, role) for d, role in sources], job_dir / "dataset", self._s3_fetch(note))
        if job.source in self.stagers:
            self.stagers[job.source](job_id, job_dir)
        if extra_files:
            etc = job_dir / "etc"
            etc.mkdir(exist_ok=True)
            for file_id in extra_files:
                self._copy_upload(job, file_id, etc)
            config = config.model_copy(update={"etc_path": str(etc)})
        (job_dir / "model.json").write_text(json.dumps(hyperparameters, indent=2))
        _write_config(job_dir, config)
        return self.spec(job_id)

    def _copy_upload(self, job: Job, file_id: str, etc: Path) -> None:
        """Copy one uploaded file of the job's project into `etc`, following no link."""
        if job.source == "dlaas" and file_id == job.id:
            relative = file_id  # the model definition the platform itself kept for this job
        elif upload_folder(self.uploads_dir, job.project_id, file_id) is not None:
            relative = f"{job.project_id}/{file_id}"
        else:
            raise ValueError(f"{file_id!r} is not an uploaded file's id")
        if not (self.uploads_dir / relative).is_dir():
            raise FileNotFoundError(f"the uploaded file {file_id} is gone")
        for name in confined.regular_files(self.uploads_dir / relative):
            fd = confined.open_file(self.uploads_dir, f"{relative}/{name}")
            with os.fdopen(fd, "rb") as source, (etc / name).open("wb") as target:
                shutil.copyfileobj(source, target)

    def _s3_fetch(self, note: Callable[[str], None]) -> S3Fetch | None:
        """Downloads s3:// datasets, its progress written to the job's log."""
        store = self.store
        if store is None:
            return None

        def fetch(name: str, url: str, role: str, target: Path) -> int:
            note(f"downloading dataset {name} ({url}, {role}) from {store.endpoint}")
            try:
                return download_s3(store, url, role, target, TransferLog(note, "downloaded", name))
            except StorageError as exc:
                note(f"the download of dataset {name} failed: {exc}")
                raise

        return fetch

    def spec(self, job_id: str) -> JobSpec:
        """The spec of a prepared job, from its record and its written files."""
        with self.db.session() as session:
            job = session.get(Job, job_id)
            kernel = session.get(Kernel, job.kernel_id)
        job_dir = Path(job.job_dir)
        config_path = job_dir / "vlad_training.json"
        mounts: tuple[Path, ...] = ()
        if config_path.is_file():
            config = TrainingConfig.model_validate_json(config_path.read_text())
            mounts = tuple(
                Path(p)
                for p in (
                    config.dataset_path,
                    config.model_write_path,
                    config.base_model_path,
                    config.etc_path,
                )
                if p
            )
        manifest = kernel.manifest if kernel else {}
        return JobSpec(
            job_id=job.id,
            command=list(manifest.get("command", [])),
            workdir=Path(kernel.path) if kernel and kernel.path else job_dir,
            image=manifest.get("image"),
            config_path=config_path,
            job_dir=job_dir,
            temp_path=job_dir / "temp",
            mounts=mounts,
            gpu_count=job.gpu_count,
            cpus=job.cpus,
            memory_gb=job.memory_gb,
            labels={"vlad.job": job.id, "vlad.project": job.project_id},
        )

    def _config(self, session: Session, job: Job) -> tuple[TrainingConfig, dict[str, Any]]:
        project = session.get(Project, job.project_id)
        job_dir = Path(job.job_dir)
        if job.operation == Operation.TRAINING.value:
            model = session.get(Model, job.id)
            base = session.get(Model, model.base_model_id) if model.base_model_id else None
            hyperparameters, validation = model.hyperparameters, None
            base_path = base.model_path if base and model.origin == "continue" else None
        else:
            validation = session.get(Validation, job.id)
            model = session.get(Model, validation.model_id)
            hyperparameters, base_path = model.hyperparameters, model.model_path
        config = TrainingConfig(
            vlad_training_config_version="1.0",
            operation=Operation(job.operation),
            model_id=model.id if validation is None else None,
            validation_id=validation.id if validation else None,
            validation_type=validation.validation_type if validation else None,
            dataset_path=str(job_dir / "dataset"),
            temp_path=str(job_dir / "temp"),
            base_model_path=base_path,
            model_write_path=str(job_dir / "output"),
            message_host=self.broker.host,
            message_port=self.broker.port,
            message_id=self.broker.user,
            message_pw=self.broker.password,
            queue_name=self.broker.queue,
            training_config_file=str(job_dir / "model.json"),
            project_key=project.project_key,
        )
        return config, hyperparameters


def _write_config(job_dir: Path, config: TrainingConfig) -> None:
    path = job_dir / "vlad_training.json"
    path.touch(mode=0o600)  # it holds the broker password
    path.write_text(config.to_json())


def get_job(session: Session, project: Project, job_id: str) -> Job:
    job = session.get(Job, job_id)
    if job is None or job.project_id != project.id:
        raise NotFound(f"no job {job_id!r} in this project")
    return job


def stop(session: Session, project: Project, job_id: str, stop_job: StopJob) -> Job:
    """Stop a waiting or training job; Conflict when it is neither. The job as it is after."""
    job = get_job(session, project, job_id)
    status = job.status
    session.commit()  # stop_job writes in a session of its own, then calls the executor
    if not stop_job(job.id):
        raise Conflict(f"job {job_id} is {status}; only a waiting or training job can be stopped")
    session.refresh(job)
    return job


def resume(
    session: Session,
    project: Project,
    job_id: str,
    launch: Callable[[list[str]], None],
    executors: dict[str, Executor],
) -> Job:
    """Resume a stopped or failed training job from its newest checkpoint, as its next
    attempt under the same id (Conflict when it cannot be, or while its last attempt's
    process is still ending). The job as it is after."""
    job = get_job(session, project, job_id)
    restarts.check_resumable(job)
    if job.placed_at is not None and job.executor in executors:
        state = executors[job.executor].status(job.id).state
        if state not in (JobState.EXITED, JobState.UNKNOWN):
            raise Conflict(f"job {job_id}'s kernel is still ending ({state.value}); resume it in a moment")
    job = restarts.resume(job)
    session.commit()
    launch([job.id])
    session.refresh(job)
    return job


def output_dir(job: Job) -> Path:
    """Where the kernel writes: its model, graphs and results."""
    return Path(job.job_dir) / "output"
