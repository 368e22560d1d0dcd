import json

from fastapi import APIRouter, Response

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.responses import ValidationOut
from vlad.server.services import validations
from vlad.server.services.presenters import validation_out

router = APIRouter(prefix="/validations", tags=["validations"])


@router.get("")
def list_validations(
    session: SessionDep, project: ProjectDep, model_id: str | None = None
) -> list[ValidationOut]:
    return [validation_out(session, v) for v in validations.list_validations(session, project, model_id)]


@router.get("/{validation_id}")
def show(
    validation_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep
) -> ValidationOut:
    """The validation with its results: scores, or the annotations an inference produced."""
    validation = validations.get(session, project, validation_id)
    return validation_out(session, validation, with_results=True, executors=platform.executors)


@router.get("/{validation_id}/results")
def download_results(validation_id: str, session: SessionDep, project: ProjectDep) -> Response:
    filename, results = validations.result_file(session, project, validation_id)
    return Response(
        json.dumps(results, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.delete("/{validation_id}", status_code=204)
def delete(validation_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    validations.delete(session, project, validation_id, platform.stop_job)
