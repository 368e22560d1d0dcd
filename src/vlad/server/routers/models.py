from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy import func, or_, select

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.models import Job, Model
from vlad.server.schemas.fields import Description, Filter, Name, Ref
from vlad.server.schemas.requests import TrainRequest, ValidateRequest
from vlad.server.schemas.responses import ModelOut, ModelPage, ValidationOut
from vlad.server.services import model_import, training, validations
from vlad.server.services.errors import Invalid
from vlad.server.services.views import model_out, validation_out

router = APIRouter(prefix="/models", tags=["models"])

MAX_OFFSET = 2**62  # beyond any table; past it a database's 64-bit offset overflows
MAX_LIMIT = 1000


@router.get("")
def list_models(
    session: SessionDep,
    project: ProjectDep,
    status: Filter | None = None,
    q: Filter | None = None,
    kernel_id: Filter | None = None,
    training_type: Filter | None = None,
    experiment_id: Filter | None = None,
    active: bool | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> ModelPage:
    query = select(Model).outerjoin(Job, Job.id == Model.job_id).where(Model.project_id == project.id)
    if status:
        query = (
            query.where(Job.status == status)
            if status != "done"
            else query.where(or_(Job.status == "done", Model.job_id.is_(None)))
        )
    if q:
        query = query.where(or_(Model.name.ilike(f"%{q}%"), Model.id.ilike(f"%{q}%")))
    for column, value in (
        (Model.kernel_id, kernel_id),
        (Model.training_type, training_type),
        (Model.experiment_id, experiment_id),
        (Model.active, active),
    ):
        if value is not None and value != "":
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(Model.created_at.desc(), Model.id).offset(offset).limit(limit))
    return ModelPage(
        items=[model_out(session, m) for m in page], total=total or 0, offset=offset, limit=limit
    )


def _start(platform, session, project, request: TrainRequest, origin: str, base=None) -> ModelOut:  # type: ignore[no-untyped-def]
    run = training.plan(session, project, request, base, uploads_dir=platform.uploads_dir)
    model = training.create(
        session,
        project,
        run,
        origin=origin,
        base=base,
        jobs_dir=platform.settings.jobs_dir,
        executor=platform.settings.executor,
    )
    session.commit()  # the job exists before its kernel can report
    platform.launch([model.id], run.extra_files)
    return model_out(session, model)


@router.post("", status_code=201)
def train(body: TrainRequest, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> ModelOut:
    return _start(platform, session, project, body, "train")


@router.post("/{model_id}/retrain", status_code=201)
def retrain(
    model_id: str,
    body: TrainRequest,
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
) -> ModelOut:
    """A new model with the same settings as `model_id` (overridable), trained from scratch."""
    base = training.base_for(session, project, model_id, "retrain")
    return _start(platform, session, project, body, "retrain", base)


@router.post("/{model_id}/continue", status_code=201)
def train_further(
    model_id: str,
    body: TrainRequest,
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
) -> ModelOut:
    """Additional training: a new model that starts from `model_id`'s weights."""
    base = training.base_for(session, project, model_id, "continue")
    return _start(platform, session, project, body, "continue", base)


@router.post("/import", status_code=201)
def import_model(
    name: Annotated[Name, Form()],
    model_file: Annotated[UploadFile, File(description="the model's file: any non-empty file")],
    settings_file: Annotated[UploadFile, File(description="its model.json, with a training_type")],
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
    kernel: Annotated[Ref | None, Form()] = None,
    description: Annotated[Description, Form()] = "",
) -> ModelOut:
    """An existing model. Everything is checked before anything is written; a refusal leaves nothing."""
    model = model_import.import_model(
        session,
        project,
        name,
        (model_file.filename or "", model_file.file),
        settings_file.file.read(model_import.MAX_SETTINGS_BYTES + 1),
        platform.settings.models_dir,
        kernel,
        description,
    )
    return model_out(session, model)


@router.get("/{model_id}")
def show(model_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> ModelOut:
    model = training.get_model(session, project, model_id)
    executor = platform.executors[model.job.executor] if model.job else None
    return model_out(session, model, executor)


@router.delete("/{model_id}", status_code=204)
def delete(model_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    model = training.get_model(session, project, model_id)
    if model.job is not None and platform.stop_job(model.job.id):
        session.rollback()  # the stop was written by another session: read afresh, then delete
        model = training.get_model(session, project, model_id)
    training.delete_model(session, model)


@router.post("/{model_id}/activate")
def activate(model_id: str, session: SessionDep, project: ProjectDep) -> ModelOut:
    """Allow the model to be used for inference."""
    model = training.get_model(session, project, model_id)
    if not training.is_done(model):
        raise Invalid(f"model {model_id} is {model.job.status}; only a finished model can be activated")
    model.active = True
    return model_out(session, model)


@router.post("/{model_id}/deactivate")
def deactivate(model_id: str, session: SessionDep, project: ProjectDep) -> ModelOut:
    model = training.get_model(session, project, model_id)
    model.active = False
    return model_out(session, model)


@router.post("/{model_id}/validations", status_code=201)
def validate(
    model_id: str,
    body: ValidateRequest,
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
) -> ValidationOut:
    """Validate a finished model, or auto-label a dataset with it (`validation_type: inference`)."""
    model = training.get_model(session, project, model_id)
    validation = validations.create(
        session, project, model, body, platform.settings.jobs_dir, platform.settings.executor
    )
    session.commit()
    platform.launch([validation.id])
    return validation_out(session, validation)
