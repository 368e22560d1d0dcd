"""What every job has, training or validation: status, logs, settings, graphs, stop."""

import json
import os
from collections.abc import Iterator
from typing import Annotated, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from vlad.server.deps import PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.responses import GraphOut, JobOut
from vlad.server.services import final_metrics as final_metrics_service
from vlad.server.services import graphs, job_files, jobs
from vlad.server.services.presenters import job_out

router = APIRouter(prefix="/jobs", tags=["jobs"])
CHUNK = 1024 * 1024


@router.get("/{job_id}")
def show(job_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> JobOut:
    return job_out(jobs.get_job(session, project, job_id), platform.executors)


@router.post("/{job_id}/stop")
def stop(job_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> JobOut:
    return job_out(jobs.stop(session, project, job_id, platform.stop_job))


@router.post("/{job_id}/resume")
def resume(job_id: str, session: SessionDep, project: ProjectDep, platform: PlatformDep) -> JobOut:
    """A stopped or failed training job goes on from its newest checkpoint, as its next
    attempt (409 when it is not such a job, or its kernel left no checkpoint)."""
    job = jobs.resume(session, project, job_id, platform.launch, platform.executors)
    platform.notify([job.id])
    return job_out(job)


@router.get("/{job_id}/logs")
def logs(job_id: str, session: SessionDep, project: ProjectDep, offset: int = 0) -> Response:
    """The kernel's log from byte `offset`; the `X-Next-Offset` header says where to go on."""
    text, next_offset = job_files.read_log(jobs.get_job(session, project, job_id), offset)
    return Response(text, media_type="text/plain; charset=utf-8", headers={"X-Next-Offset": str(next_offset)})


@router.get("/{job_id}/settings")
def settings(job_id: str, session: SessionDep, project: ProjectDep) -> dict:
    """vlad_training.json (secrets removed) and model.json as the kernel got them."""
    return job_files.settings_files(jobs.get_job(session, project, job_id))


@router.get("/{job_id}/settings/{filename}")
def download_setting(job_id: str, filename: str, session: SessionDep, project: ProjectDep) -> Response:
    content = job_files.settings_file(jobs.get_job(session, project, job_id), filename)
    return Response(
        json.dumps(content, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/{job_id}/graphs")
def graph_names(job_id: str, session: SessionDep, project: ProjectDep) -> list[str]:
    return graphs.graph_names(jobs.output_dir(jobs.get_job(session, project, job_id)))


@router.get("/{job_id}/graphs/{name}")
def graph(
    job_id: str,
    name: str,
    session: SessionDep,
    project: ProjectDep,
    offset: int = 0,
    max_points: Annotated[int | None, Query(ge=graphs.MIN_POINTS, le=graphs.MAX_POINTS)] = None,
) -> GraphOut:
    """One graph's series; pass the answer's `offset` back to get only the rows added since.

    `max_points` thins the rows on the server, keeping every series' extremes (the web UI
    asks for 2000); without it every row is sent. The whole file: `.../download`."""
    output = jobs.output_dir(jobs.get_job(session, project, job_id))
    return GraphOut(**graphs.read_graph(output, name, offset, max_points))


@router.get("/{job_id}/graphs/{name}/download", response_class=StreamingResponse)
def download_graph(job_id: str, name: str, session: SessionDep, project: ProjectDep) -> StreamingResponse:
    """A graph's metric file as the kernel wrote it, every row (opened without following links)."""
    file, filename = graphs.open_graph(jobs.output_dir(jobs.get_job(session, project, job_id)), name)
    size = os.fstat(file.fileno()).st_size
    headers = {
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "Content-Length": str(size),
    }
    return StreamingResponse(_chunks(file, size), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/{job_id}/metrics")
def final_metrics(job_id: str, session: SessionDep, project: ProjectDep) -> dict[str, float]:
    """The last value of every series; stored when the job ended, read from its files before."""
    job = jobs.get_job(session, project, job_id)
    return final_metrics_service.for_job(session, job, jobs.output_dir(job))


def _chunks(file: BinaryIO, size: int) -> Iterator[bytes]:
    left = size  # no more than announced: the file of a running job grows
    with file:
        while left > 0 and (chunk := file.read(min(CHUNK, left))):
            left -= len(chunk)
            yield chunk


@router.get("/{job_id}/dataset/{path:path}", response_class=StreamingResponse)
def dataset_image(job_id: str, path: str, session: SessionDep, project: ProjectDep) -> StreamingResponse:
    """An image of the job's staged dataset, as an annotation names it (thumbnails in the UI).
    Streamed from the file opened inside the job's dataset folder, never from a path again."""
    file, media_type = job_files.dataset_image(jobs.get_job(session, project, job_id), path)
    size = os.fstat(file.fileno()).st_size

    def chunks() -> Iterator[bytes]:
        left = size  # no more than announced, should the file grow meanwhile
        with file:
            while left > 0 and (chunk := file.read(min(CHUNK, left))):
                left -= len(chunk)
                yield chunk

    headers = {"Cache-Control": "private, max-age=3600", "Content-Length": str(size)}
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)
