from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from vlad.server.deps import CallerDep, PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.requests import DatasetRegister
from vlad.server.schemas.responses import DatasetOut
from vlad.server.services import datasets
from vlad.server.services.presenters import dataset_out

router = APIRouter(prefix="/datasets", tags=["datasets"])


@router.post("", status_code=201)
def register(
    body: DatasetRegister, session: SessionDep, caller: CallerDep, platform: PlatformDep
) -> DatasetOut:
    """Register an s3://bucket/prefix, or (admin tokens only) a server folder under
    VLAD_DATASET_ROOTS."""
    return dataset_out(
        datasets.register(
            session,
            caller.project,
            body.name,
            body.training_type,
            body.location,
            body.description,
            caller=caller,
            roots=platform.settings.dataset_folder_roots,
        )
    )


@router.post("/upload", status_code=201)
def upload(
    name: Annotated[str, Form()],
    training_type: Annotated[str, Form()],
    file: Annotated[UploadFile, File(description="a .zip of the dataset folder")],
    session: SessionDep,
    project: ProjectDep,
    platform: PlatformDep,
    description: Annotated[str, Form()] = "",
) -> DatasetOut:
    return dataset_out(
        datasets.upload(
            session,
            project,
            name,
            training_type,
            file.file,
            platform.settings,
            description,
        )
    )


@router.get("")
def list_datasets(
    session: SessionDep, project: ProjectDep, training_type: str | None = None
) -> list[DatasetOut]:
    return [dataset_out(d) for d in datasets.list_datasets(session, project, training_type)]


@router.get("/{ref}")
def show(ref: str, session: SessionDep, project: ProjectDep) -> DatasetOut:
    return dataset_out(datasets.get(session, project, ref))
