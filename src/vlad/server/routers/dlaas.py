"""DLaaS-style jobs (seed 003): a model definition .zip and a YAML manifest, data and results in S3."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from vlad.dlaas import schemas, service
from vlad.server.deps import CallerDep, PlatformDep, ProjectDep, SessionDep
from vlad.server.services.access import require_sandbox
from vlad.server.services.states import ACTIVE

router = APIRouter(prefix="/dlaas/models", tags=["dlaas"])


@router.post("", status_code=201)
def train(
    model_definition: Annotated[UploadFile, File(description="a .zip of the training code")],
    manifest: Annotated[UploadFile, File(description="the training manifest (YAML)")],
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
    caller: CallerDep,
) -> schemas.DlaasSubmitted:
    """Check everything (manifest, .zip, buckets and keys), then start the job; a refusal creates nothing."""
    settings = platform.settings
    # A model definition is code: a member's runs only where the executor sandboxes it.
    require_sandbox(
        caller, settings.executor, settings, "submitting a DLaaS model definition", "model_definition"
    )
    submission = service.check_submission(
        manifest.file.read(), model_definition.file, settings.dlaas_max_unpacked_bytes
    )
    session.commit()  # ends the token lookup's read transaction: the next check calls S3
    service.check_storage(submission.manifest)
    model = service.submit(
        session, project, submission, model_definition.file, settings, platform.uploads_dir
    )
    platform.launch([model.id], [model.id])
    return schemas.submitted_out(model, model.job)


@router.get("")
def list_models(
    session: SessionDep, project: ProjectDep, platform: PlatformDep
) -> list[schemas.DlaasSummary]:
    """DLaaS jobs younger than the retention period (`VLAD_RETENTION_DAYS`), oldest first."""
    platform.dlaas.purge()
    return schemas.summaries(service.list_runs(session, project, platform.settings.retention_days))


@router.get("/{model_id}")
def show(
    model_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep
) -> schemas.DlaasModelOut:
    days = platform.settings.retention_days
    return schemas.model_out(*service.get_run(session, project, model_id, days), days)


@router.delete("/{model_id}", status_code=204)
def delete(model_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    """Forget the job (stopping it if it runs); what is in the results bucket stays."""
    model, job, _run = service.get_run(session, project, model_id, platform.settings.retention_days)
    executor, job_dir = job.executor, Path(job.job_dir)
    session.commit()  # stop_job writes in a session of its own; ours must not hold an older snapshot
    if job.status in ACTIVE:
        platform.stop_job(job.id)
    service.delete_run(session, model, job)
    session.commit()
    platform.dlaas.forget(model_id, executor, job_dir)
