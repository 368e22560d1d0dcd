"""Projects, their `project_key`, and API tokens (admin or member, optionally expiring)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from vlad.server.db import Database
from vlad.server.models import ApiToken, Project, utcnow
from vlad.server.services.access import Caller, Role, Unauthenticated
from vlad.server.services.errors import Conflict, NotFound
from vlad.server.services.ids import hash_token, new_id, new_secret
from vlad.server.services.presenters import aware

# last_used_at is a hint for people, not an audit log: one write a minute per token at most.
LAST_USED_EVERY = timedelta(minutes=1)


def create_project(session: Session, name: str) -> tuple[Project, str]:
    """A new project and its first API token, an admin one (returned once, stored only as a hash)."""
    if session.scalar(select(Project).where(Project.name == name)):
        raise Conflict(f"a project named {name!r} exists already")
    project = Project(id=new_id("project"), name=name, project_key=new_secret())
    session.add(project)
    session.flush()
    _row, token = create_token(session, project, "default", Role.ADMIN)
    return project, token


def list_projects(session: Session) -> list[Project]:
    return list(session.scalars(select(Project).order_by(Project.created_at)))


def create_token(
    session: Session,
    project: Project,
    name: str,
    role: Role = Role.MEMBER,
    expires_in_days: float | None = None,
) -> tuple[ApiToken, str]:
    """A new token of `project` and its secret, which is returned here once and stored as a hash."""
    token = "vlad_" + new_secret()
    now = utcnow()
    row = ApiToken(
        id=new_id("token"),
        project_id=project.id,
        name=name,
        token_hash=hash_token(token),
        role=role.value,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    session.add(row)
    session.flush()
    return row, token


def list_tokens(session: Session, project: Project) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.project_id == project.id).order_by(ApiToken.created_at)
        )
    )


def revoke_token(session: Session, project: Project, token_id: str) -> None:
    """Revoke a token of `project`; it answers 401 from now on. Revoking twice changes nothing."""
    row = session.get(ApiToken, token_id)
    if row is None or row.project_id != project.id:
        raise NotFound(f"no token {token_id!r} in this project (`vlad token list` shows them)")
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def authenticate(session: Session, db: Database, secret: str) -> Caller:
    """The caller a token secret stands for; Unauthenticated when it is unknown, expired or revoked."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    project = session.get(Project, row.project_id) if row is not None else None
    if row is None or project is None:
        raise Unauthenticated("a valid API token is needed; this one is not known to the platform")
    now = utcnow()
    if row.revoked_at is not None:
        raise Unauthenticated(
            f"this API token ({row.name!r}) was revoked at {_stamp(row.revoked_at)}; ask an admin for another"
        )
    if row.expires_at is not None and aware(row.expires_at) <= now:
        raise Unauthenticated(
            f"this API token ({row.name!r}) expired at {_stamp(row.expires_at)}; ask an admin for another"
        )
    if row.last_used_at is None or aware(row.last_used_at) < now - LAST_USED_EVERY:
        # Its own short transaction: the request's session may live as long as an upload, and
        # holding a write in it would block the status consumer's writes on SQLite.
        with db.session() as write:
            write.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return Caller(project=project, role=Role(row.role), token_id=row.id)


def _stamp(moment: datetime) -> str:
    return aware(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def get_by_name(session: Session, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.name == name))
