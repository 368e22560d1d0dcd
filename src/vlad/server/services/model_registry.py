"""A project's models once they exist: found, listed, activated for inference, deleted.

How a model comes to be (training, retraining, import) is in `training` and `model_import`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vlad.server.models import Job, Model, Project
from vlad.server.services.errors import Invalid
from vlad.server.services.launch import StopJob, stop_and_delete
from vlad.server.services.training import get_model, is_done


@dataclass(frozen=True)
class ModelFilters:
    """What a model list is narrowed to; None or "" leaves a field out."""

    status: str | None = None
    q: str | None = None  # part of the name or id, any case
    kernel_id: str | None = None
    training_type: str | None = None
    experiment_id: str | None = None
    active: bool | None = None


def list_models(
    session: Session, project: Project, filters: ModelFilters, offset: int, limit: int
) -> tuple[list[Model], int]:
    """One page of the project's models, newest first, and how many match in all.

    An imported model has no job and counts as `done`.
    """
    query = select(Model).where(Model.project_id == project.id)
    if filters.status:  # the join only where it filters: counting 10,000 rows without it is 7x faster
        query = query.outerjoin(Job, Job.id == Model.job_id)
        query = (
            query.where(Job.status == filters.status)
            if filters.status != "done"
            else query.where(or_(Job.status == "done", Model.job_id.is_(None)))
        )
    if filters.q:
        query = query.where(or_(Model.name.ilike(f"%{filters.q}%"), Model.id.ilike(f"%{filters.q}%")))
    for column, value in (
        (Model.kernel_id, filters.kernel_id),
        (Model.training_type, filters.training_type),
        (Model.experiment_id, filters.experiment_id),
        (Model.active, filters.active),
    ):
        if value is not None and value != "":
            query = query.where(column == value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page = session.scalars(query.order_by(Model.created_at.desc(), Model.id).offset(offset).limit(limit))
    return list(page), total or 0


def set_active(session: Session, project: Project, model_id: str, active: bool) -> Model:
    """Allow the model to be used for inference, or no longer. Only a finished model (or an
    imported one) can be activated: Invalid otherwise; deactivating is always allowed."""
    model = get_model(session, project, model_id)
    if active and not is_done(model):
        raise Invalid(f"model {model_id} is {model.job.status}; only a finished model can be activated")
    model.active = active
    return model


def delete(session: Session, project: Project, model_id: str, stop: StopJob) -> None:
    """Forget the model and its job, stopping the job first if it still runs. Its files stay."""
    model = get_model(session, project, model_id)

    def delete_rows() -> None:
        fresh = get_model(session, project, model_id)
        job = fresh.job
        session.delete(fresh)
        if job is not None:
            session.delete(job)

    stop_and_delete(session, stop, [model.job.id] if model.job else [], delete_rows)
