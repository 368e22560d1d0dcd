"""Train, retrain, train further, import: every way a model comes to be."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vlad.contract import Operation, check_hyperparameters
from vlad.server.models import Dataset, Kernel, Model, Project
from vlad.server.schemas.requests import TrainRequest
from vlad.server.services import datasets as dataset_service
from vlad.server.services import kernels as kernel_service
from vlad.server.services.errors import Invalid, NotFound, field_error
from vlad.server.services.ids import new_id
from vlad.server.services.launch import NewJobs, start_jobs
from vlad.server.services.new_job import JobResources, check_gpu_count, create_job, upload_folder
from vlad.server.services.scheduling import check_priority
from vlad.server.services.states import JobStatus


@dataclass
class PlannedRun:
    """A checked training request, ready to be created."""

    kernel: Kernel
    model_type: str | None
    training_type: str
    hyperparameters: dict[str, Any]
    datasets: list[tuple[Dataset, str]]
    gpu_count: int
    name: str
    description: str
    extra_files: list[str]
    resources: JobResources = field(default_factory=JobResources)


def _cut(text: str, limit: int = 300) -> str:
    """A refusal quotes what was sent, never all of it (a value may be megabytes)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def get_model(session: Session, project: Project, model_id: str) -> Model:
    model = session.get(Model, model_id)
    if model is None or model.project_id != project.id:
        raise NotFound(f"no model {model_id!r} in this project")
    return model


def _datasets(
    session: Session, project: Project, refs: list[str], role: str, field: str
) -> list[tuple[Dataset, str]]:
    found = []
    for ref in refs:
        try:
            found.append((dataset_service.get(session, project, ref), role))
        except NotFound as exc:
            raise Invalid(
                exc.message,
                [field_error(field, f"unknown dataset {ref!r}", "a dataset id or name")],
            ) from exc
    return found


def check_extra_files(project: Project, file_ids: list[str], uploads_dir: Path) -> list[str]:
    """The ids of this project's uploaded files (POST /files), each once; Invalid naming every
    entry that is not one. Nothing else may reach a job's etc/: a path would copy a host folder."""
    problems = []
    for index, file_id in enumerate(file_ids):
        folder = upload_folder(uploads_dir, project.id, file_id)
        if folder is None:
            shown = file_id if len(file_id) <= 60 else file_id[:60] + "..."
            problem = f"{shown!r} is not a file id"
        elif not folder.is_dir() or folder.is_symlink():
            problem = f"no uploaded file {file_id} in this project"
        else:
            continue
        problems.append(
            field_error(f"extra_files.{index}", problem, "an id POST /files answered, e.g. file-0123abcd")
        )
    if problems:
        raise Invalid(
            "extra_files must be ids of this project's uploaded files: "
            + "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:10]),
            problems,
        )
    return list(dict.fromkeys(file_ids))


def plan(
    session: Session,
    project: Project,
    request: TrainRequest,
    base: Model | None = None,
    *,
    uploads_dir: Path,
) -> PlannedRun:
    """Check a training request fully; raises Invalid naming every field that is wrong."""
    extra_files = check_extra_files(project, request.extra_files, uploads_dir)
    train_refs = request.training_datasets
    val_refs = request.validation_datasets
    if base is not None and base.job is not None:
        train_refs = train_refs or [d.dataset_id for d in base.job.datasets if d.role == "train"]
        val_refs = val_refs or [d.dataset_id for d in base.job.datasets if d.role == "val"]
    if not train_refs:
        raise Invalid(
            "a training job needs at least one training dataset",
            [field_error("training_datasets", "empty", "one or more dataset ids or names")],
        )
    datasets = _datasets(session, project, train_refs, "train", "training_datasets") + _datasets(
        session, project, val_refs, "val", "validation_datasets"
    )
    types = {d.training_type for d, _ in datasets}
    if len(types) > 1:
        raise Invalid(
            f"the datasets mix training types {sorted(types)}; pick datasets of one type",
            [field_error("training_datasets", "mixed training types", "one training type")],
        )
    training_type = types.pop()
    kernel_ref = request.kernel or (base.kernel_id if base else None)
    kernel = (
        kernel_service.get(session, project, kernel_ref)
        if kernel_ref
        else kernel_service.propose(session, project, training_type)
    )
    if kernel is None:
        raise Invalid(
            f"no registered kernel supports training type {training_type!r}",
            [field_error("kernel", "none found", f"a kernel supporting {training_type}")],
        )
    if not kernel_service.supports(kernel, training_type):
        raise Invalid(
            f"kernel {kernel.name} {kernel.version} does not support training type {training_type!r}; "
            f"it supports {kernel.manifest['training_types']}",
            [field_error("kernel", "wrong training type", f"a kernel supporting {training_type}")],
        )
    manifest = kernel_service.manifest_of(kernel)
    model_type = request.model_type or (base.model_type if base else None) or manifest.default_model_type
    if model_type not in manifest.model_types:
        raise Invalid(
            f"kernel {kernel.name} has no model type {model_type!r}",
            [field_error("model_type", f"unknown {model_type!r}", ", ".join(manifest.model_types))],
        )
    values = (
        dict(base.hyperparameters)
        if base is not None and request.model_type is None
        else manifest.defaults_for(model_type)
    )
    values.update(request.hyperparameters or {})
    problems = check_hyperparameters(values, manifest.schema_)
    if problems:
        raise Invalid(
            "the hyperparameters do not satisfy the kernel's schema: "
            + "; ".join(_cut(str(p)) for p in problems[:20]),
            [
                {
                    "field": _cut("hyperparameters" + p.path[1:]),
                    **{k: _cut(v) for k, v in p.as_dict().items()},
                }
                for p in problems[:20]
            ],
        )
    if values.get("training_type") != training_type:
        raise Invalid(
            f"hyperparameters.training_type is {values.get('training_type')!r} but the "
            f"datasets are {training_type!r}",
            [field_error("hyperparameters.training_type", "mismatch", training_type)],
        )
    gpu_count = check_gpu_count(kernel, request.gpu_count)
    name = request.name or f"{kernel.name}-{model_type}-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    return PlannedRun(
        kernel,
        model_type,
        training_type,
        values,
        datasets,
        gpu_count,
        name,
        request.description,
        extra_files,
        JobResources(
            request.cpus,
            request.memory_gb,
            request.priority,
            max_restarts=request.max_restarts,
            restart_on_error=request.restart_on_error,
        ),
    )


def create(
    session: Session,
    project: Project,
    run: PlannedRun,
    *,
    origin: str,
    jobs_dir: Path,
    executor: str,
    base: Model | None = None,
    experiment_id: str | None = None,
    source: str = "platform",
    model_id: str | None = None,
) -> Model:
    model_id = model_id or new_id("model")
    job = create_job(
        session,
        project,
        model_id,
        Operation.TRAINING,
        run.kernel,
        run.gpu_count,
        run.datasets,
        jobs_dir,
        executor,
        source,
        resources=run.resources,
        experiment_id=experiment_id,
    )
    model = Model(
        id=model_id,
        project_id=project.id,
        name=run.name,
        description=run.description,
        origin=origin,
        job=job,
        kernel_id=run.kernel.id,
        model_type=run.model_type,
        training_type=run.training_type,
        hyperparameters=run.hyperparameters,
        base_model_id=base.id if base else None,
        experiment_id=experiment_id,
        model_path=str(Path(job.job_dir) / "output"),
    )
    session.add(model)
    session.flush()
    return model


def base_for(session: Session, project: Project, model_id: str, origin: str) -> Model:
    base = get_model(session, project, model_id)
    if origin == "continue" and not is_done(base):
        raise Invalid(
            f"model {model_id} has not finished training, so it cannot be trained further",
            [field_error("base_model", "not finished", "a model whose training is done")],
        )
    return base


def is_done(model: Model) -> bool:
    """An imported model, or one whose training ended with training_done."""
    return model.job is None or model.job.status == JobStatus.DONE.value


def start(
    session: Session,
    project: Project,
    request: TrainRequest,
    jobs: NewJobs,
    *,
    origin: str = "train",
    base_id: str | None = None,
) -> Model:
    """Check `request` fully, create the model and its job, commit, then launch it.

    `origin` is train, retrain (the settings of `base_id`, trained from scratch) or continue
    (from `base_id`'s weights, which must have finished training). A refusal creates nothing.
    """
    check_priority(request.priority, jobs.admin)
    base = base_for(session, project, base_id, origin) if base_id is not None else None
    run = plan(session, project, request, base, uploads_dir=jobs.uploads_dir)
    model = create(
        session, project, run, origin=origin, base=base, jobs_dir=jobs.jobs_dir, executor=jobs.executor
    )
    start_jobs(session, jobs.launch, [model.id], run.extra_files)
    return model
