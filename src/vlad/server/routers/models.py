from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from vlad.server.deps import NewJobsDep, PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.fields import Description, Filter, Name, Ref
from vlad.server.schemas.requests import TrainRequest, ValidateRequest
from vlad.server.schemas.responses import ModelOut, ModelPage, ValidationOut
from vlad.server.services import model_import, model_registry, training, validations
from vlad.server.services.presenters import model_out, model_page, validation_out

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
    filters = model_registry.ModelFilters(status, q, kernel_id, training_type, experiment_id, active)
    models, total = model_registry.list_models(session, project, filters, offset, limit)
    return model_page(session, models, total, offset, limit)


@router.post("", status_code=201)
def train(body: TrainRequest, session: SessionDep, project: ProjectDep, jobs: NewJobsDep) -> ModelOut:
    return model_out(session, training.start(session, project, body, jobs))


@router.post("/{model_id}/retrain", status_code=201)
def retrain(
    model_id: str,
    body: TrainRequest,
    session: SessionDep,
    project: ProjectDep,
    jobs: NewJobsDep,
) -> ModelOut:
    """A new model with the same settings as `model_id` (overridable), trained from scratch."""
    model = training.start(session, project, body, jobs, origin="retrain", base_id=model_id)
    return model_out(session, model)


@router.post("/{model_id}/continue", status_code=201)
def train_further(
    model_id: str,
    body: TrainRequest,
    session: SessionDep,
    project: ProjectDep,
    jobs: NewJobsDep,
) -> ModelOut:
    """Additional training: a new model that starts from `model_id`'s weights."""
    model = training.start(session, project, body, jobs, origin="continue", base_id=model_id)
    return model_out(session, model)


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
    return model_out(session, training.get_model(session, project, model_id), platform.executors)


@router.delete("/{model_id}", status_code=204)
def delete(model_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    model_registry.delete(session, project, model_id, platform.stop_job)


@router.post("/{model_id}/activate")
def activate(model_id: str, session: SessionDep, project: ProjectDep) -> ModelOut:
    """Allow the model to be used for inference."""
    return model_out(session, model_registry.set_active(session, project, model_id, True))


@router.post("/{model_id}/deactivate")
def deactivate(model_id: str, session: SessionDep, project: ProjectDep) -> ModelOut:
    return model_out(session, model_registry.set_active(session, project, model_id, False))


@router.post("/{model_id}/validations", status_code=201)
def validate(
    model_id: str,
    body: ValidateRequest,
    session: SessionDep,
    project: ProjectDep,
    jobs: NewJobsDep,
) -> ValidationOut:
    """Validate a finished model, or auto-label a dataset with it (`validation_type: inference`)."""
    return validation_out(session, validations.start(session, project, model_id, body, jobs))
