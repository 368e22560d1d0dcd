from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.requests import DatasetRegister
from vlad.server.schemas.responses import DatasetOut
from vlad.server.services import datasets
from vlad.server.services.views import dataset_out

router = APIRouter(prefix="/datasets", tags=["datasets"])


@router.post("", status_code=201)
def register(body: DatasetRegister, session: SessionDep, project: ProjectDep) -> DatasetOut:
    return dataset_out(
        datasets.register(session, project, body.name, body.training_type, body.location, body.description)
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
            platform.settings.datasets_dir,
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
