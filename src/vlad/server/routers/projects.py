"""Projects of the platform: made and listed by admins."""

from fastapi import APIRouter

from vlad.server.deps import PlatformDep, SessionDep, admin_only
from vlad.server.schemas.access import ProjectCreate
from vlad.server.schemas.requests import ProjectRulesUpdate
from vlad.server.schemas.responses import ProjectCreatedOut, ProjectRulesOut, ProjectSummaryOut
from vlad.server.services import projects, queue
from vlad.server.services.presenters import project_created_out, project_summary_out

ProjectAdmin = admin_only("managing projects", "a new project comes with an admin token of its own")
router = APIRouter(prefix="/projects", tags=["projects"])


@router.get("")
def list_projects(session: SessionDep, _caller: ProjectAdmin) -> list[ProjectSummaryOut]:
    return [project_summary_out(p) for p in projects.list_projects(session)]


@router.post("", status_code=201)
def create_project(body: ProjectCreate, session: SessionDep, _caller: ProjectAdmin) -> ProjectCreatedOut:
    """A new project and its first token, an admin token of that project (shown once)."""
    return project_created_out(*projects.create_project(session, body.name))


@router.patch("/{project}")
def set_rules(
    project: str, body: ProjectRulesUpdate, session: SessionDep, _caller: ProjectAdmin, platform: PlatformDep
) -> ProjectRulesOut:
    """Set a project's (id or name) weight in the fair share and its quotas; a field left
    out is left as it is, null removes a quota."""
    row = queue.set_rules(session, project, body.model_dump(include=body.model_fields_set))
    session.commit()
    platform.scheduler.wake()
    return queue.rules_out(row)
