"""The project, tokens, uploaded files, the live event stream, health and ingestion counters."""

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import StreamingResponse

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.requests import TokenCreate
from vlad.server.schemas.responses import FileOut, ProjectOut, TokenOut
from vlad.server.services import projects
from vlad.server.services.ids import new_id

router = APIRouter(tags=["system"])


@router.get("/health")
def health(platform: PlatformDep) -> dict:
    return {"status": "ok", "broker_connected": platform.consumer.connected.is_set()}


@router.get("/project")
def project_info(project: ProjectDep) -> ProjectOut:
    return ProjectOut.model_validate(project, from_attributes=True)


@router.post("/tokens", status_code=201)
def create_token(body: TokenCreate, session: SessionDep, project: ProjectDep) -> TokenOut:
    return TokenOut(token=projects.create_token(session, project, body.name))


@router.get("/ingestion")
def ingestion_counts(platform: PlatformDep, project: ProjectDep) -> dict[str, int]:
    """Status messages applied, ignored and refused since the platform started."""
    return dict(platform.consumer.counts)


@router.post("/files", status_code=201)
def upload_file(file: Annotated[UploadFile, File()], platform: PlatformDep, project: ProjectDep) -> FileOut:
    """An extra file for a job (its `etc_path`); name its id in `extra_files`."""
    file_id = new_id("file")
    folder = platform.uploads_dir / file_id
    folder.mkdir(parents=True)
    name = (file.filename or "file").replace("/", "_")
    with (folder / name).open("wb") as out:
        shutil.copyfileobj(file.file, out)
    return FileOut(id=file_id, filename=name, size=(folder / name).stat().st_size)


@router.get("/events")
async def events(request: Request, platform: PlatformDep, project: ProjectDep) -> StreamingResponse:
    """Server-sent events: one `job` event each time a job of this project changes."""
    queue = platform.events.subscribe(project.id)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
        finally:
            platform.events.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
