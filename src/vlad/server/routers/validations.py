import json

from fastapi import APIRouter, Response

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.responses import ValidationOut
from vlad.server.services import validations
from vlad.server.services.errors import NotFound
from vlad.server.services.views import validation_out

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
    return validation_out(
        session, validation, with_results=True, executor=platform.executors[validation.job.executor]
    )


@router.get("/{validation_id}/results")
def download_results(validation_id: str, session: SessionDep, project: ProjectDep) -> Response:
    validation = validations.get(session, project, validation_id)
    results = validations.results(validation)
    if results is None:
        raise NotFound(f"validation {validation_id} has no results yet (it is {validation.job.status})")
    filename = validations.RESULT_FILES[validation.validation_type]
    return Response(
        json.dumps(results, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.delete("/{validation_id}", status_code=204)
def delete(validation_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> None:
    validation = validations.get(session, project, validation_id)
    if platform.stop_job(validation.id):
        session.rollback()  # the stop was written by another session: read afresh, then delete
        validation = validations.get(session, project, validation_id)
    session.delete(validation.job)
    session.delete(validation)
