"""The caller's project, uploaded files, the live event stream, health and ingestion counters."""

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import StreamingResponse

from vlad.server.deps import CallerDep, PlatformDep, ProjectDep
from vlad.server.schemas.responses import FileOut, ProjectOut
from vlad.server.services.access import refuse_control_characters
from vlad.server.services.errors import Invalid, field_error
from vlad.server.services.ids import new_id
from vlad.server.services.views import aware

router = APIRouter(tags=["system"])


@router.get("/health")
def health(platform: PlatformDep) -> dict:
    return {"status": "ok", "broker_connected": platform.consumer.connected.is_set()}


@router.get("/project")
def project_info(caller: CallerDep) -> ProjectOut:
    """The caller's project and the role of the caller's token (admin or member)."""
    project = caller.project
    return ProjectOut(
        id=project.id,
        name=project.name,
        created_at=aware(project.created_at),  # type: ignore[arg-type]
        role=caller.role.value,
    )


@router.get("/ingestion")
def ingestion_counts(platform: PlatformDep, caller: CallerDep) -> dict[str, int]:
    """Status messages applied, ignored and refused since the platform started: every project's
    for an admin; for a member, those about its own project's jobs."""
    if caller.is_admin:
        return dict(platform.consumer.counts)
    return dict(platform.consumer.project_counts.get(caller.project.project_key, {}))


def _upload_name(filename: str | None) -> str:
    """The name an uploaded file is stored under, or 422 saying why it cannot be."""
    name = (filename or "").replace("/", "_").replace("\\", "_")
    accepted = "a plain file name, e.g. labels.csv"
    if name in ("", ".", ".."):
        raise Invalid(
            f"the upload's file name {filename!r} cannot name a file; accepted: {accepted}",
            [field_error("file.filename", f"{filename!r} is not a file name", accepted)],
        )
    refuse_control_characters(name, "file.filename", accepted)
    if len(name.encode()) > 255:
        raise Invalid(
            "the upload's file name is longer than 255 bytes",
            [field_error("file.filename", f"{len(name.encode())} bytes", "at most 255 bytes")],
        )
    return name


@router.post("/files", status_code=201)
def upload_file(file: Annotated[UploadFile, File()], platform: PlatformDep, project: ProjectDep) -> FileOut:
    """An extra file for a job (its `etc_path`); name its id in `extra_files` of this project's
    trainings. Kept at <uploads>/<project id>/<file id>/<name>."""
    name = _upload_name(file.filename)
    file_id = new_id("file")
    folder = platform.uploads_dir / project.id / file_id
    folder.mkdir(parents=True)
    try:
        with (folder / name).open("wb") as out:
            shutil.copyfileobj(file.file, out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
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
