"""A new job's row: what its request asks (GPUs within the kernel's range, CPUs, memory,
priority, restart policy) and the uploaded files it names. `JobLauncher` (services.jobs)
prepares and launches it afterwards."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from vlad.contract import Operation
from vlad.server.models import Dataset, Job, JobDataset, Kernel, Project
from vlad.server.services import kernels as kernel_service
from vlad.server.services.errors import Invalid, field_error
from vlad.server.services.states import JobStatus

FILE_ID = re.compile(r"file-[0-9a-f]{8,32}")  # as ids.new_id("file") makes them


def upload_folder(uploads_dir: Path, project_id: str, file_id: str) -> Path | None:
    """Where POST /files keeps an uploaded file of a project: `<uploads>/<project id>/<file id>/`;
    None when `file_id` is not a file id (a path, `..`, anything else)."""
    return uploads_dir / project_id / file_id if FILE_ID.fullmatch(file_id) else None


CPU_FALLBACK = (
    "The kernel sets no supported_gpu_count, so its GPU count is fixed at 1, and this "
    "platform has no GPUs: it runs on the CPU."
)


def on_cpu_by_default(kernel: Kernel | None, gpu_count: int, capacity: int | None) -> bool:
    """A kernel that declares no GPU range asks for 1 GPU by the contract's default, not by
    choice: on a machine without GPUs it runs on the CPU, as DLaaS jobs do, rather than never."""
    return (
        kernel is not None
        and "supported_gpu_count" not in kernel.manifest
        and gpu_count == 1
        and capacity == 0
    )


def check_gpu_count(kernel: Kernel, gpu_count: int | None) -> int:
    gpus = kernel_service.manifest_of(kernel).supported_gpu_count
    count = gpus.minimum if gpu_count is None else gpu_count
    try:
        gpus.check(count)
    except ValueError as exc:
        raise Invalid(
            str(exc),
            [field_error("gpu_count", f"{count} is out of range", f"{gpus.minimum}..{gpus.maximum}")],
        ) from exc
    return count


@dataclass(frozen=True)
class JobResources:
    """What a request asks of the scheduler for one job (None: the kernel's declaration),
    and its restart policy (services.restarts)."""

    cpus: float | None = None
    memory_gb: float | None = None
    priority: int = 0
    max_restarts: int = 2
    restart_on_error: bool = False


def create_job(
    session: Session,
    project: Project,
    job_id: str,
    operation: Operation,
    kernel: Kernel,
    gpu_count: int,
    datasets: list[tuple[Dataset, str]],
    jobs_dir: Path,
    executor: str,
    source: str = "platform",
    *,
    resources: JobResources | None = None,
    experiment_id: str | None = None,
) -> Job:
    """A new waiting job's row. Its CPUs and memory are those asked (`resources`), else its
    kernel's manifest's `resources`, else 1 CPU and no memory bound."""
    asked = resources or JobResources()
    declared = kernel_service.manifest_of(kernel).resources
    job = Job(
        id=job_id,
        project_id=project.id,
        operation=operation.value,
        kernel_id=kernel.id,
        executor=kernel.executor or executor,
        status=JobStatus.WAITING.value,
        gpu_count=gpu_count,
        cpus=asked.cpus if asked.cpus is not None else declared.cpus,
        memory_gb=asked.memory_gb if asked.memory_gb is not None else declared.memory_gb,
        priority=asked.priority,
        max_restarts=asked.max_restarts,
        restart_on_error=asked.restart_on_error,
        attempt=1,
        experiment_id=experiment_id,
        job_dir=str(jobs_dir / job_id),
        source=source,
    )
    job.datasets = [JobDataset(dataset_id=d.id, role=role) for d, role in datasets]
    session.add(job)
    return job
