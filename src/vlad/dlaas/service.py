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
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.contract import KernelManifest, check_hyperparameters
from vlad.dlaas.archive import ArchiveError, ArchiveSummary, check_zip, code_root
from vlad.dlaas.command import CommandError, program_file, split_command
from vlad.dlaas.manifest import RESOURCES, Manifest, ManifestError, parse_manifest
from vlad.server.models import DlaasRun, Job, Kernel, Model, Project, utcnow
from vlad.server.services import kernels as kernel_service
from vlad.server.services import training
from vlad.server.services.errors import Invalid, NotFound, field_error
from vlad.server.services.ids import new_id
from vlad.server.services.states import TERMINAL
from vlad.server.settings import Settings
from vlad.storage import ObjectStore, StorageError

COMMAND_KERNEL = Path(__file__).resolve().parents[3] / "kernels" / "command"
ARCHIVE_NAME = "model.zip"
SECRETS_DIR = "secrets"
SOURCE = "dlaas"


@dataclass(frozen=True)
class Submission:
    """A manifest and a model definition that passed every check that needs no network."""

    manifest: Manifest
    archive: ArchiveSummary


def check_submission(manifest_text: bytes, archive: BinaryIO, max_unpacked_bytes: int) -> Submission:
    """Refuse a broken manifest, a file that is not a safe .zip, or a command it cannot run."""
    try:
        manifest = parse_manifest(manifest_text)
    except ManifestError as exc:
        raise Invalid(
            str(exc),
            [
                field_error(p.field if p.field == "manifest" else f"manifest.{p.field}", p.problem, p.allowed)
                for p in exc.problems
            ],
        ) from exc
    try:
        summary = check_zip(archive, max_unpacked_bytes)
    except ArchiveError as exc:
        raise Invalid(
            str(exc), [field_error("model_definition", str(exc), "a .zip of the training code")]
        ) from exc
    command_field = "manifest.model_definition.execution.command"
    try:
        argv = split_command(manifest.model_definition.execution.command)
    except CommandError as exc:
        raise Invalid(
            str(exc), [field_error(command_field, str(exc), "a program and its arguments")]
        ) from exc
    program, root = program_file(argv), code_root(summary.files)
    if program is not None and f"{root}/{program}".strip("/") not in summary.files:
        listed = ", ".join(summary.files[:10]) + (", ..." if len(summary.files) > 10 else "")
        raise Invalid(
            f"execution.command runs {program}, which is not in the model definition (it holds: {listed})",
            [
                field_error(
                    command_field, f"{program} is not in the .zip", "a file of the .zip, by its relative path"
                )
            ],
        )
    return Submission(manifest, summary)


def check_storage(manifest: Manifest) -> None:
    """The data and results buckets answer to the manifest's keys. Calls S3: run it outside
    any database transaction."""
    problems = []
    for reference, role in (("training_data_reference", "source"), ("training_results_reference", "target")):
        ref = getattr(manifest, reference)
        bucket = getattr(ref, role).bucket
        try:
            has_objects = ObjectStore(ref.connection.s3()).check_bucket(bucket)
        except StorageError as exc:
            where = f"{role}.bucket" if exc.kind == "bucket" else "connection"
            problems.append(
                field_error(f"manifest.{reference}.{where}", exc.message, _storage_hint(exc.kind))
            )
            continue
        if role == "source" and not has_objects:
            problems.append(
                field_error(
                    f"manifest.{reference}.source.bucket",
                    f"bucket {bucket!r} at {ref.connection.endpoint_url} holds no files",
                    "the bucket holding the training data (all of it is downloaded)",
                )
            )
    if problems:
        raise Invalid(
            "the manifest's object storage cannot be used: " + "; ".join(p["problem"] for p in problems),
            problems,
        )


def _storage_hint(kind: str) -> str:
    return {
        "bucket": "an existing bucket",
        "endpoint": "the URL of a running S3-compatible service",
        "credentials": "an access key id and secret access key that this service knows",
        "denied": "keys allowed to list and write the bucket",
    }.get(kind, "")


def gpu_count(manifest: Manifest, available: list[str]) -> int:
    """`small`/`medium`/`large` ask for 1/2/4 GPUs. A platform without GPUs runs the program on
    its CPU; one with too few refuses."""
    resource = manifest.model_definition.execution.resource
    wanted = RESOURCES[resource]
    if not available:
        return 0
    if wanted > len(available):
        fits = [
            f"{name} ({count} GPU{'s' * (count > 1)})"
            for name, count in RESOURCES.items()
            if count <= len(available)
        ]
        raise Invalid(
            f"execution.resource {resource} needs {wanted} GPUs; this platform has {len(available)}",
            [
                field_error(
                    "manifest.model_definition.execution.resource",
                    f"{resource} needs {wanted} GPUs",
                    ", ".join(fits),
                )
            ],
        )
    return wanted


def command_kernel(session: Session, project: Project) -> Kernel:
    """The built-in command kernel, registered in the project on first use."""
    if not (COMMAND_KERNEL / "kernel.json").is_file():
        raise Invalid(f"the built-in command kernel is missing: no {COMMAND_KERNEL / 'kernel.json'}")
    manifest = KernelManifest.load(COMMAND_KERNEL)
    kernel = session.scalar(
        select(Kernel).where(
            Kernel.project_id == project.id, Kernel.name == manifest.name, Kernel.version == manifest.version
        )
    )
    return kernel or kernel_service.register(session, project, path=str(COMMAND_KERNEL))


def submit(
    session: Session,
    project: Project,
    submission: Submission,
    archive: BinaryIO,
    settings: Settings,
    uploads_dir: Path,
) -> Model:
    """Create and commit the job; its files are removed again if anything fails."""
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
    model_id = new_id("training")
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
        session.commit()  # the job exists before its kernel can report
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
