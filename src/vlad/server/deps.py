"""FastAPI dependencies: the platform, a database session, the caller's project."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from vlad.server.models import Project
from vlad.server.platform import Platform
from vlad.server.services.projects import project_for_token

bearer = HTTPBearer(auto_error=False)


def get_platform(request: Request) -> Platform:
    return request.app.state.platform  # type: ignore[no-any-return]


PlatformDep = Annotated[Platform, Depends(get_platform)]


def get_session(platform: PlatformDep) -> Iterator[Session]:
    with platform.db.session() as session:
        yield session


# Committed before the response is sent, so a client never reads its own stale write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_project(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    token: Annotated[str | None, Query(include_in_schema=False)] = None,
) -> Project:
    # A query token serves EventSource and download links, which cannot set headers.
    value = credentials.credentials if credentials else token
    project = project_for_token(session, value) if value else None
    if project is None:
        raise HTTPException(
            401,
            "a valid API token is needed: 'Authorization: Bearer <token>' "
            "(`vlad up` prints one; `vlad token create` makes more)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return project


ProjectDep = Annotated[Project, Depends(get_project)]
