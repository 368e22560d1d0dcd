"""Projects, their `project_key`, and API tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.server.models import ApiToken, Project
from vlad.server.services.errors import Conflict
from vlad.server.services.ids import hash_token, new_id, new_secret


def create_project(session: Session, name: str) -> tuple[Project, str]:
    """A new project and its first API token (returned once, stored only as a hash)."""
    if session.scalar(select(Project).where(Project.name == name)):
        raise Conflict(f"a project named {name!r} exists already")
    project = Project(id=new_id("project"), name=name, project_key=new_secret())
    session.add(project)
    session.flush()
    return project, create_token(session, project, "default")


def create_token(session: Session, project: Project, name: str) -> str:
    token = "vlad_" + new_secret()
    session.add(ApiToken(id=new_id("token"), project_id=project.id, name=name, token_hash=hash_token(token)))
    return token


def project_for_token(session: Session, token: str) -> Project | None:
    return session.scalar(
        select(Project)
        .join(ApiToken, ApiToken.project_id == Project.id)
        .where(ApiToken.token_hash == hash_token(token))
    )


def get_by_name(session: Session, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.name == name))
