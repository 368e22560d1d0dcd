"""The caller's project, uploaded files, the live event stream, health and ingestion counters."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import StreamingResponse

from vlad.server.deps import CallerDep, PlatformDep, ProjectDep
from vlad.server.schemas.responses import FileOut, ProjectOut
from vlad.server.services import access, uploads
from vlad.server.services.presenters import project_out

router = APIRouter(tags=["system"])


@router.get("/health")
def health(platform: PlatformDep) -> dict:
    return {"status": "ok", "broker_connected": platform.consumer.connected.is_set()}


@router.get("/project")
def project_info(caller: CallerDep) -> ProjectOut:
    """The caller's project and the role of the caller's token (admin or member)."""
    return project_out(caller)


@router.get("/ingestion")
def ingestion_counts(platform: PlatformDep, caller: CallerDep) -> dict[str, int]:
    """Status messages applied, ignored and refused since the platform started: every project's
    for an admin; for a member, those about its own project's jobs."""
    consumer = platform.consumer
    return access.ingestion_counts(caller, consumer.counts, consumer.project_counts)


@router.post("/files", status_code=201)
def upload_file(file: Annotated[UploadFile, File()], platform: PlatformDep, project: ProjectDep) -> FileOut:
    """An extra file for a job (its `etc_path`); name its id in `extra_files` of this project's
    trainings. Kept at <uploads>/<project id>/<file id>/<name>."""
    return uploads.save(platform.uploads_dir, project, file.filename, file.file)


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
