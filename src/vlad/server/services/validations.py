"""Validating a finished model, or auto-labeling with it (inference)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.contract import Operation
from vlad.server.models import Model, Project, Validation
from vlad.server.schemas.requests import ValidateRequest
from vlad.server.services import confined
from vlad.server.services import kernels as kernel_service
from vlad.server.services.errors import Invalid, NotFound, field_error
from vlad.server.services.ids import new_id
from vlad.server.services.launch import NewJobs, StopJob, start_jobs, stop_and_delete
from vlad.server.services.new_job import JobResources, check_gpu_count, create_job
from vlad.server.services.scheduling import check_priority
from vlad.server.services.training import _datasets, get_model, is_done

RESULT_FILES = {"validation": "validation_result.json", "inference": "annotations.json"}
RESULT_LIMIT = 256 * 1024 * 1024  # read into memory: a kernel's file must not exhaust it


def create(
    session: Session,
    project: Project,
    model: Model,
    request: ValidateRequest,
    jobs_dir: Path,
    executor: str,
) -> Validation:
    if not is_done(model):
        status = model.job.status if model.job else "?"
        raise Invalid(
            f"model {model.id} is {status}; only a model whose training finished can be validated",
            [field_error("model", f"status {status}", "a model with status done")],
        )
    kernel_ref = request.kernel or model.kernel_id
    if kernel_ref is None:
        raise Invalid(
            "this model has no kernel; choose one",
            [field_error("kernel", "missing", "a kernel id or name")],
        )
    kernel = kernel_service.get(session, project, kernel_ref)
    if not kernel_service.supports(kernel, model.training_type):
        raise Invalid(
            f"kernel {kernel.name} does not support training type {model.training_type!r}",
            [field_error("kernel", "wrong training type", f"a kernel supporting {model.training_type}")],
        )
    # Auto-labeling labels a whole dataset; a validation scores its validation split.
    role = "all" if request.validation_type == "inference" else "val"
    datasets = _datasets(session, project, request.datasets, role, "datasets")
    wrong = [d.name for d, _ in datasets if d.training_type != model.training_type]
    if wrong:
        raise Invalid(
            f"datasets {wrong} are not of the model's training type {model.training_type!r}",
            [field_error("datasets", "wrong training type", model.training_type)],
        )
    gpu_count = check_gpu_count(kernel, request.gpu_count)
    validation_id = new_id("validation")
    job = create_job(
        session,
        project,
        validation_id,
        Operation.VALIDATION,
        kernel,
        gpu_count,
        datasets,
        jobs_dir,
        executor,
        resources=JobResources(request.cpus, request.memory_gb, request.priority),
    )
    validation = Validation(
        id=validation_id,
        project_id=project.id,
        model_id=model.id,
        validation_type=request.validation_type,
        job=job,
    )
    session.add(validation)
    session.flush()
    return validation


def start(
    session: Session, project: Project, model_id: str, request: ValidateRequest, jobs: NewJobs
) -> Validation:
    """Check and create a validation (or an inference) of `model_id`, commit, then launch it."""
    check_priority(request.priority, jobs.admin)
    model = get_model(session, project, model_id)
    validation = create(session, project, model, request, jobs.jobs_dir, jobs.executor)
    start_jobs(session, jobs.launch, [validation.id])
    return validation


def delete(session: Session, project: Project, validation_id: str, stop: StopJob) -> None:
    """Forget the validation and its job, stopping the job first if it still runs."""
    validation = get(session, project, validation_id)

    def delete_rows() -> None:
        fresh = get(session, project, validation_id)
        session.delete(fresh.job)
        session.delete(fresh)

    stop_and_delete(session, stop, [validation.id], delete_rows)


def get(session: Session, project: Project, validation_id: str) -> Validation:
    validation = session.get(Validation, validation_id)
    if validation is None or validation.project_id != project.id:
        raise NotFound(f"no validation {validation_id!r} in this project")
    return validation


def list_validations(session: Session, project: Project, model_id: str | None = None) -> list[Validation]:
    query = select(Validation).where(Validation.project_id == project.id)
    if model_id:
        query = query.where(Validation.model_id == model_id)
    return list(session.scalars(query.order_by(Validation.created_at.desc())))


def result_file(session: Session, project: Project, validation_id: str) -> tuple[str, dict[str, Any]]:
    """The name and content of the validation's result file; NotFound while there is none."""
    validation = get(session, project, validation_id)
    found = results(validation)
    if found is None:
        raise NotFound(f"validation {validation_id} has no results yet (it is {validation.job.status})")
    return RESULT_FILES[validation.validation_type], found


def results(validation: Validation) -> dict[str, Any] | None:
    """The kernel's result file (scores, or the annotations of an inference), if written as
    a regular file of the job's output folder; None otherwise (a link is never followed)."""
    name = RESULT_FILES[validation.validation_type]
    try:
        data = confined.read_bytes(Path(validation.job.job_dir), f"output/{name}", RESULT_LIMIT + 1)
    except (FileNotFoundError, NotADirectoryError, confined.OutsideFolder):
        return None  # absent, or a link: not a result this job wrote
    if len(data) > RESULT_LIMIT:
        return {"error": f"{name} is larger than {RESULT_LIMIT // 1024**2} MiB"}
    try:
        return json.loads(data)
    except ValueError:
        return {"error": f"{name} is not valid JSON"}
