"""Database tables (SQLAlchemy 2). Services convert them to API schemas; routers never see them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(timezone=True)}


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    project_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The scheduler's rules for this project's jobs (services.scheduling): its weight in the
    # fair share, and quotas (None: none) of GPUs and of jobs running at once.
    share: Mapped[float] = mapped_column(Float, default=1.0)
    quota_gpus: Mapped[int | None] = mapped_column(Integer)
    quota_running: Mapped[int | None] = mapped_column(Integer)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="member")  # admin | member
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]  # updated at most once a minute


class Kernel(Base):
    __tablename__ = "kernels"
    __table_args__ = (UniqueConstraint("project_id", "name", "version"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100))
    manifest: Mapped[dict[str, Any]]
    path: Mapped[str | None] = mapped_column(Text)  # the kernel's folder, for the local executor
    executor: Mapped[str | None] = mapped_column(String(40))  # overrides the platform's
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The registration check (?check=true): {"status": "running"}, then passed or failed with
    # its checks (services.kernel_checks); None when none was asked for.
    check_report: Mapped[dict[str, Any] | None]


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("project_id", "name"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    training_type: Mapped[str] = mapped_column(String(100), index=True)
    location: Mapped[str] = mapped_column(Text)  # a folder, or s3://bucket/prefix
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Experiment(Base):
    __tablename__ = "experiments"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]]  # how the runs were generated (list or grid)
    max_parallel: Mapped[int | None] = mapped_column(Integer)  # runs at once; None: no cap
    # A search (services.search): "running" while it asks for trials or some run, then "done".
    search_state: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Job(Base):
    """One run of a kernel: a training (its model) or a validation. Status messages update it."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the model_id / validation_id
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    operation: Mapped[str] = mapped_column(String(20))  # training | validation
    kernel_id: Mapped[str | None] = mapped_column(ForeignKey("kernels.id", ondelete="SET NULL"))
    executor: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)  # see services.states
    percentage: Mapped[float | None] = mapped_column(Float)
    step: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    exit_code: Mapped[int | None] = mapped_column(Integer)
    gpu_count: Mapped[int] = mapped_column(Integer, default=0)
    cpus: Mapped[float] = mapped_column(Float, default=1.0)
    memory_gb: Mapped[float | None] = mapped_column(Float)
    job_dir: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20), default="platform")  # platform | dlaas
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The scheduler's queue (services.scheduling): a waiting job is prepared (its files
    # written), then placed (handed to its executor). Higher priority goes first.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    experiment_id: Mapped[str | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="SET NULL"), index=True
    )
    extra_files: Mapped[list[Any] | None]  # uploaded files copied into its etc/ when prepared
    prepared_at: Mapped[datetime | None]
    placed_at: Mapped[datetime | None]
    queue_position: Mapped[int | None] = mapped_column(Integer)  # 1: next; while not placed
    wait_reason: Mapped[str | None] = mapped_column(Text)  # why it is not placed yet
    # Restarts (services.restarts): a job that ends without an outcome runs again under the
    # same id, from its newest checkpoint, up to max_restarts times. `attempts`: those ended.
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    max_restarts: Mapped[int] = mapped_column(Integer, default=2)
    restart_on_error: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[list[Any] | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    datasets: Mapped[list[JobDataset]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class JobDataset(Base):
    __tablename__ = "job_datasets"
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), primary_key=True)  # train | val


class Model(Base):
    __tablename__ = "models"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(20))  # train | retrain | continue | import | dlaas
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    kernel_id: Mapped[str | None] = mapped_column(ForeignKey("kernels.id", ondelete="SET NULL"))
    model_type: Mapped[str | None] = mapped_column(String(100))
    training_type: Mapped[str] = mapped_column(String(100), index=True)
    hyperparameters: Mapped[dict[str, Any]]
    base_model_id: Mapped[str | None] = mapped_column(ForeignKey("models.id", ondelete="SET NULL"))
    experiment_id: Mapped[str | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    model_path: Mapped[str] = mapped_column(Text)  # the folder holding the model's files
    # A search experiment's run: its Optuna trial's number (services.search); else None.
    trial: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last value of each metric, stored when its run ends (None: not stored yet).
    final_metrics: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    job: Mapped[Job | None] = relationship(lazy="joined", foreign_keys=[job_id])


class DlaasRun(Base):
    """What a DLaaS job adds to its job and model: its manifest and where its results went."""

    __tablename__ = "dlaas_runs"
    id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    manifest: Mapped[dict[str, Any]]  # secrets removed
    results_status: Mapped[str] = mapped_column(String(20), index=True)  # pending|uploading|uploaded|failed
    results_message: Mapped[str | None] = mapped_column(Text)
    results_at: Mapped[datetime | None]


class Validation(Base):
    __tablename__ = "validations"
    id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    validation_type: Mapped[str] = mapped_column(String(20))  # validation | inference
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    job: Mapped[Job] = relationship(lazy="joined")


# Indexes that match the list queries' filters and sort (migration 0006): a project's
# models newest first (services.model_registry), by training type too; an experiment's
# runs by name (services.experiments); experiments and validations newest first; datasets
# of one training type by name.
Index("ix_models_project_id_created_at", Model.project_id, Model.created_at)
Index("ix_models_project_id_training_type", Model.project_id, Model.training_type, Model.created_at)
Index("ix_models_experiment_id_name", Model.experiment_id, Model.name)
Index("ix_experiments_project_id_created_at", Experiment.project_id, Experiment.created_at)
Index("ix_validations_project_id_created_at", Validation.project_id, Validation.created_at)
Index("ix_validations_model_id_created_at", Validation.model_id, Validation.created_at)
Index("ix_datasets_project_id_training_type_name", Dataset.project_id, Dataset.training_type, Dataset.name)
