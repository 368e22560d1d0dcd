"""DLaaS-style jobs (seed 003): a model definition .zip and a YAML manifest, data and results in S3."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from vlad.server.deps import CallerDep, PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.dlaas import DlaasModelOut, DlaasSubmitted, DlaasSummary
from vlad.server.services import dlaas

router = APIRouter(prefix="/dlaas/models", tags=["dlaas"])


@router.post("", status_code=201)
def train(
    model_definition: Annotated[UploadFile, File(description="a .zip of the training code")],
    manifest: Annotated[UploadFile, File(description="the training manifest (YAML)")],
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
    caller: CallerDep,
) -> DlaasSubmitted:
    """Check everything (manifest, .zip, buckets and keys), then start the job; a refusal creates nothing."""
    return dlaas.submit(
        session,
        project,
        caller,
        manifest.file.read(),
        model_definition.file,
        platform.settings,
        platform.uploads_dir,
        platform.launch,
    )


@router.get("")
def list_models(session: SessionDep, project: ProjectDep, platform: PlatformDep) -> list[DlaasSummary]:
    """DLaaS jobs younger than the retention period (`VLAD_RETENTION_DAYS`), oldest first."""
    return dlaas.list_jobs(session, project, platform.settings.retention_days, platform.dlaas.purge)


@router.get("/{model_id}")
def show(model_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> DlaasModelOut:
    return dlaas.show(session, project, model_id, platform.settings.retention_days)


@router.delete("/{model_id}", status_code=204)
def delete(model_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    """Forget the job (stopping it if it runs); what is in the results bucket stays."""
    days = platform.settings.retention_days
    dlaas.delete(session, project, model_id, days, platform.stop_job, platform.dlaas.forget)
