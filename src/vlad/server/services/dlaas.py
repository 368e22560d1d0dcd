"""DLaaS jobs: a model definition (.zip) and a manifest become one training job of the command kernel.

One road: the job is a `jobs` row (`source="dlaas"`) with its `models` row (`origin="dlaas"`),
launched by the same JobLauncher and reporting through the same status messages as any
other. What only DLaaS jobs have is a `dlaas_runs` row (the manifest without secrets, the
results upload) and the manifest's connections, in `<data_dir>/secrets/<model id>.json`
(mode 0600, outside every folder a kernel sees; read only by the data download and the
results upload, deleted once the results are uploaded).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.contract import KernelManifest, check_hyperparameters
from vlad.dlaas.manifest import Manifest
from vlad.server.bundled import bundled_kernel
from vlad.server.models import DlaasRun, Job, Kernel, Model, Project, utcnow
from vlad.server.schemas.dlaas import (
    API_PATH,
    DlaasModelOut,
    DlaasResults,
    DlaasStore,
    DlaasSubmitted,
    DlaasSummary,
)
from vlad.server.services import kernels as kernel_service
from vlad.server.services import training
from vlad.server.services.access import Caller, require_sandbox
from vlad.server.services.dlaas_checks import Submission, check_storage, check_submission, gpu_count
from vlad.server.services.errors import Invalid, NotFound
from vlad.server.services.ids import new_id
from vlad.server.services.launch import Launch, StopJob, start_jobs, stop_and_delete
from vlad.server.services.presenters import aware
from vlad.server.services.states import ACTIVE, TERMINAL
from vlad.server.settings import Settings

ARCHIVE_NAME = "model.zip"
SECRETS_DIR = "secrets"
SOURCE = "dlaas"
# Forget a deleted job's folders once its process has ended (the lifecycle's `forget`).
Forget = Callable[[str, str, Path], None]


def submit(
    session: Session,
    project: Project,
    caller: Caller,
    manifest_text: bytes,
    archive: BinaryIO,
    settings: Settings,
    uploads_dir: Path,
    launch: Launch,
) -> DlaasSubmitted:
    """Check everything (the caller's role, the manifest, the .zip, the buckets and keys), then
    create the job and start it; a refusal creates nothing."""
    # A model definition is code: a member's runs only where the executor sandboxes it.
    require_sandbox(
        caller, settings.executor, settings, "submitting a DLaaS model definition", "model_definition"
    )
    submission = check_submission(manifest_text, archive, settings.dlaas_max_unpacked_bytes)
    session.commit()  # ends the token lookup's read transaction: the next check calls S3
    check_storage(submission.manifest)
    model = create(session, project, submission, archive, settings, uploads_dir)
    start_jobs(session, launch, [model.id], [model.id])
    return submitted_out(model, model.job)


def command_kernel(session: Session, project: Project) -> Kernel:
    """The built-in command kernel, registered in the project on first use."""
    command = bundled_kernel("command")
    if not (command / "kernel.json").is_file():
        raise Invalid(f"the built-in command kernel is missing: no {command / 'kernel.json'}")
    manifest = KernelManifest.load(command)
    kernel = session.scalar(
        select(Kernel).where(
            Kernel.project_id == project.id, Kernel.name == manifest.name, Kernel.version == manifest.version
        )
    )
    return kernel or kernel_service.register(session, project, path=str(command))


def create(
    session: Session,
    project: Project,
    submission: Submission,
    archive: BinaryIO,
    settings: Settings,
    uploads_dir: Path,
) -> Model:
    """Create and commit the job (not yet started); its files are removed again if anything fails."""
    manifest, definition = submission.manifest, submission.manifest.model_definition
    kernel = command_kernel(session, project)
    hyperparameters: dict[str, Any] = {
        "training_type": "dlaas",
        "model_type": "command",
        "command": definition.execution.command,
        "archive": ARCHIVE_NAME,
        "max_unpacked_bytes": settings.dlaas_max_unpacked_bytes,
        "framework": definition.framework.model_dump(),
        "resource": definition.execution.resource,
    }
    problems = check_hyperparameters(hyperparameters, kernel_service.manifest_of(kernel).schema_)
    if problems:  # the registered command kernel is older than this platform
        raise Invalid(f"kernel {kernel.name} {kernel.version} cannot run DLaaS jobs: {problems[0]}")
    # The seed's format (`training-` and 8 hex digits): few enough bits to check it is free.
    model_id = new_id("training", hex_digits=8)
    while session.get(Job, model_id) is not None:
        model_id = new_id("training", hex_digits=8)
    run = training.PlannedRun(
        kernel=kernel,
        model_type="command",
        training_type="dlaas",
        hyperparameters=hyperparameters,
        datasets=[],
        gpu_count=gpu_count(manifest, settings.gpus),
        name=definition.name,
        description=definition.description,
        extra_files=[model_id],
    )
    job_dir, upload = settings.jobs_dir / model_id, uploads_dir / model_id
    try:
        upload.mkdir(parents=True)
        with (upload / ARCHIVE_NAME).open("wb") as out:
            archive.seek(0)
            shutil.copyfileobj(archive, out)
        write_connections(connections_file(settings.data_dir, model_id), manifest)
        model = training.create(
            session,
            project,
            run,
            origin=SOURCE,
            jobs_dir=settings.jobs_dir,
            executor=settings.executor,
            source=SOURCE,
            model_id=model_id,
        )
        session.add(DlaasRun(id=model_id, manifest=manifest.public(), results_status="pending"))
        # Committed inside the try, so that a refused commit removes the files as well;
        # start_jobs commits again (nothing left) and then launches.
        session.commit()
    except BaseException:
        session.rollback()
        remove_files(job_dir, upload, connections_file(settings.data_dir, model_id))
        raise
    return model


def connections_file(data_dir: Path, job_id: str) -> Path:
    """Where a DLaaS job's S3 connections are kept: in no folder of any job."""
    return data_dir / SECRETS_DIR / f"{job_id}.json"


def write_connections(path: Path, manifest: Manifest) -> None:
    """The manifest's S3 connections, for the data download and the results upload (mode 0600)."""
    data, results = manifest.training_data_reference, manifest.training_results_reference
    body = {
        "data": {**_connection(data.connection), "bucket": data.source.bucket},
        "results": {**_connection(results.connection), "bucket": results.target.bucket},
    }
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(json.dumps(body))


def _connection(connection: Any) -> dict[str, str]:
    s3 = connection.s3()
    return {
        "endpoint_url": s3.endpoint_url,
        "access_key_id": s3.access_key_id,
        "secret_access_key": s3.secret_access_key.get_secret_value(),
        "region": s3.region,
    }


def remove_files(*paths: Path) -> None:
    """Remove folders and files; those already gone are fine."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# -- reading, deleting, forgetting ---------------------------------------------------------------
Row = tuple[Model, Job, DlaasRun]


def list_jobs(
    session: Session, project: Project, retention_days: float, purge: Callable[[], object]
) -> list[DlaasSummary]:
    """The project's DLaaS jobs younger than the retention period, oldest first; `purge` (the
    lifecycle's) forgets the older ones first."""
    purge()
    return summaries(list_runs(session, project, retention_days))


def show(session: Session, project: Project, model_id: str, retention_days: float) -> DlaasModelOut:
    """One DLaaS job younger than the retention period, else NotFound."""
    return model_out(*get_run(session, project, model_id, retention_days), retention_days)


def delete(
    session: Session, project: Project, model_id: str, retention_days: float, stop: StopJob, forget: Forget
) -> None:
    """Forget the job, stopping it first if it runs; what is in the results bucket stays. Its
    folders go through `forget` once its process has ended."""
    _model, job, _run = get_run(session, project, model_id, retention_days)
    executor, job_dir = job.executor, Path(job.job_dir)
    active = [job.id] if job.status in ACTIVE else []

    def delete_rows() -> None:
        model, job, _run = get_run(session, project, model_id, retention_days)
        delete_run(session, model, job)

    stop_and_delete(session, stop, active, delete_rows)
    forget(model_id, executor, job_dir)


def cutoff(retention_days: float) -> datetime:
    return utcnow() - timedelta(days=retention_days)


def list_runs(session: Session, project: Project, retention_days: float) -> list[Row]:
    """The project's DLaaS jobs younger than the retention period, oldest first."""
    rows = session.execute(
        select(Model, Job, DlaasRun)
        .join(Job, Job.id == Model.job_id)
        .join(DlaasRun, DlaasRun.id == Job.id)
        .where(Model.project_id == project.id, Job.source == SOURCE, Job.created_at >= cutoff(retention_days))
        .order_by(Job.created_at, Job.id)
    ).all()
    return [(m, j, r) for m, j, r in rows]


def get_run(session: Session, project: Project, model_id: str, retention_days: float) -> Row:
    for row in session.execute(
        select(Model, Job, DlaasRun)
        .join(Job, Job.id == Model.job_id)
        .join(DlaasRun, DlaasRun.id == Job.id)
        .where(Model.id == model_id, Model.project_id == project.id, Job.created_at >= cutoff(retention_days))
    ).all():
        return row[0], row[1], row[2]
    raise NotFound(
        f"no DLaaS model {model_id!r} in this project (details are kept for {retention_days:g} days)"
    )


def delete_run(session: Session, model: Model, job: Job) -> None:
    """Forget the job: its rows go (dlaas_runs with the job); its folders are the caller's."""
    session.delete(model)
    session.delete(job)


def expired(session: Session, retention_days: float) -> list[tuple[str, str]]:
    """Ended DLaaS jobs older than the retention period whose results are settled: (id, job folder)."""
    return [
        (job_id, job_dir)
        for job_id, job_dir in session.execute(
            select(Job.id, Job.job_dir)
            .join(DlaasRun, DlaasRun.id == Job.id)
            .where(
                Job.source == SOURCE,
                Job.created_at < cutoff(retention_days),
                Job.status.in_([s.value for s in TERMINAL]),
                DlaasRun.results_status.in_(["uploaded", "failed"]),
            )
        ).all()
    ]


# -- answers ---------------------------------------------------------------------------------------
def submitted_out(model: Model, job: Job) -> DlaasSubmitted:
    note = None
    if job.gpu_count == 0:
        resource = model.hyperparameters.get("resource")
        note = f"resource {resource} asks for GPUs; this platform has none, so the program runs on its CPU"
    return DlaasSubmitted(
        model_id=model.id,
        name=model.name,
        status=job.status,
        url=f"{API_PATH}/{model.id}",
        gpu_count=job.gpu_count,
        note=note,
    )


def summaries(rows: list[tuple[Model, Job, DlaasRun]]) -> list[DlaasSummary]:
    return [
        DlaasSummary(
            number=number, id=model.id, name=model.name, status=job.status, submitted_at=aware(job.created_at)
        )
        for number, (model, job, _run) in enumerate(rows, start=1)
    ]


def _store(reference: dict[str, Any], role: str, folder: str = "") -> DlaasStore:
    bucket = reference[role]["bucket"]
    return DlaasStore(
        endpoint_url=reference["connection"]["endpoint_url"],
        bucket=bucket,
        location=f"s3://{bucket}/{folder}" if folder else f"s3://{bucket}",
    )


def model_out(model: Model, job: Job, run: DlaasRun, retention_days: float) -> DlaasModelOut:
    definition = run.manifest["model_definition"]
    results = _store(run.manifest["training_results_reference"], "target", f"{model.id}/")
    submitted = aware(job.created_at)
    return DlaasModelOut(
        id=model.id,
        url=f"{API_PATH}/{model.id}",
        name=model.name,
        description=model.description,
        state=job.status,
        submitted_at=submitted,
        started_at=aware(job.started_at),
        finished_at=aware(job.finished_at),
        percentage=job.percentage,
        step=job.step,
        message=job.message,
        exit_code=job.exit_code,
        framework=definition["framework"],
        author=definition.get("author"),
        command=definition["execution"]["command"],
        resource=definition["execution"]["resource"],
        gpu_count=job.gpu_count,
        data=_store(run.manifest["training_data_reference"], "source"),
        results=DlaasResults(
            **results.model_dump(),
            status=run.results_status,
            message=run.results_message,
            uploaded_at=aware(run.results_at),
        ),
        expires_at=submitted + timedelta(days=retention_days),
    )
