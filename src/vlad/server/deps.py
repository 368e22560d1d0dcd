"""FastAPI dependencies: the platform, a database session, the caller (project and role)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from vlad.server.models import Project
from vlad.server.platform import Platform
from vlad.server.services.access import Caller, Unauthenticated, require_admin
from vlad.server.services.launch import NewJobs
from vlad.server.services.projects import authenticate

bearer = HTTPBearer(auto_error=False)


def get_platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_session(platform: PlatformDep) -> Iterator[Session]:
    with platform.db.session() as session:
        yield session


# Committed before the response is sent, so a client never reads its own stale write.
# Services write in it and leave the commit to it, except where a call-out must follow the
# commit (services.launch).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_caller(
    session: SessionDep,
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> Caller:
    # A query token serves EventSource and download links, which cannot set headers.
    value = credentials.credentials if credentials else token
    if not value:
        raise _unauthorized("a valid API token is needed")
    try:
        return authenticate(session, platform.db, value)
    except Unauthenticated as exc:
        raise _unauthorized(exc.message) from exc


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(
        401,
        f"{reason}: 'Authorization: Bearer <token>' "
        "(`vlad up` prints an admin token; `vlad token create` makes more)",
        headers={"WWW-Authenticate": "Bearer"},
    )


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_new_jobs(platform: PlatformDep, caller: CallerDep) -> NewJobs:
    settings = platform.settings
    return NewJobs(
        settings.jobs_dir, settings.executor, platform.uploads_dir, platform.launch, admin=caller.is_admin
    )


# What the services that create jobs need of the platform (never the platform itself).
NewJobsDep = Annotated[NewJobs, Depends(get_new_jobs)]


def get_project(caller: CallerDep) -> Project:
    return caller.project


ProjectDep = Annotated[Project, Depends(get_project)]


def admin_only(action: str, why: str) -> object:
    """A dependency for routes only admins may call: a member token gets 403 saying `action`
    needs an admin token, because `why`."""

    def check(caller: CallerDep) -> Caller:
        require_admin(caller, action, why)
        return caller

    return Annotated[Caller, Depends(check)]


AdminDep = admin_only(
    "this request", "admins manage projects and tokens and what runs on the platform's own host"
)
