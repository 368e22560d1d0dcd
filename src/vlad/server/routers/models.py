from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from sqlalchemy import func, or_, select

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.models import Job, Model
from vlad.server.schemas.requests import TrainRequest, ValidateRequest
from vlad.server.schemas.responses import ModelOut, ModelPage, ValidationOut
from vlad.server.services import training, validations
from vlad.server.services.errors import Invalid
from vlad.server.services.views import model_out, validation_out

router = APIRouter(prefix="/models", tags=["models"])


@router.get("")
def list_models(
    session: SessionDep,
    project: ProjectDep,
    status: str | None = None,
    q: str | None = None,
    kernel_id: str | None = None,
    training_type: str | None = None,
    experiment_id: str | None = None,
    active: bool | None = None,
    offset: int = 0,
    limit: int = 50,
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
        if value is not None:
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    limit = max(1, min(limit, 500))
    page = session.scalars(query.order_by(Model.created_at.desc(), Model.id).offset(offset).limit(limit))
    return ModelPage(
        items=[model_out(session, m) for m in page], total=total or 0, offset=offset, limit=limit
    )


def _start(platform, session, project, request: TrainRequest, origin: str, base=None) -> ModelOut:  # type: ignore[no-untyped-def]
    run = training.plan(session, project, request, base)
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
async def import_model(
    name: Annotated[str, Form()],
    model_file: Annotated[UploadFile, File(description="the model's file")],
    settings_file: Annotated[UploadFile, File(description="its model.json")],
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
    kernel: Annotated[str | None, Form()] = None,
    description: Annotated[str, Form()] = "",
) -> ModelOut:
    model = training.import_model(
        session,
        project,
        name,
        (model_file.filename or "", await model_file.read()),
        await settings_file.read(),
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
