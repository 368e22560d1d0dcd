"""The platform's settings: one object, `VLAD_` environment variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from vlad.storage.s3 import S3Connection


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VLAD_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path.home() / ".vlad")
    # Empty: SQLite at <data_dir>/vlad.db. PostgreSQL: postgresql+psycopg2://user@host/db
    database_url: SecretStr | None = None
    # Searches' Optuna studies (services.search). Empty: SQLite at <data_dir>/search.db.
    search_storage_url: SecretStr | None = None
    # Empty: $VLAD_BROKER_URL is unset, so `vlad up` finds or starts a broker.
    broker_url: SecretStr | None = None
    # Where kernels reach the broker, when that differs from where the platform does
    # (a container's 127.0.0.1 is the container itself).
    kernel_broker_host: str | None = None
    status_queue: str = "vlad.status"
    # GPU ids this machine may hand out, e.g. "0,1"; empty: no GPUs, kernels use the CPU.
    gpus: Annotated[list[str], NoDecode] = Field(default_factory=list)
    executor: str = "local"
    # What the scheduler may hand out on this machine (local and docker executors); empty:
    # the machine's cores and memory as the operating system reports them.
    cpus: float | None = Field(default=None, gt=0)
    memory_gb: float | None = Field(default=None, gt=0)
    # How often the scheduler looks at its queue even when nothing told it to (seconds).
    scheduler_interval_seconds: float = Field(default=2.0, gt=0)
    # A waiting job may stop running jobs of lower priority that have a checkpoint; they
    # resume later from it (services.restarts). Off: a job waits for room to free up.
    preemption: bool = False
    # docker: the Docker Engine API (empty: $DOCKER_HOST or the default socket; Podman's
    # service: unix:///run/podman/podman.sock); the containers' network ("host": kernels
    # reach the broker as the platform does; empty: the engine's default bridge); host
    # folders mounted read-only in every container; the manifest's `command` run instead of
    # the image's own (for images holding only an interpreter); the user containers run as.
    docker_base_url: str | None = None
    docker_network_mode: str = "host"
    docker_extra_mounts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    docker_use_manifest_command: bool = False
    docker_user: str | None = None
    # kubernetes: one Job per run in this namespace. The data folder must be this
    # PersistentVolumeClaim, mounted at the same path (VLAD_DATA_DIR) here and in the jobs.
    kubernetes_namespace: str = "default"
    kubernetes_data_claim: str | None = None
    kubernetes_active_deadline_seconds: int | None = None  # empty: no limit
    kubernetes_max_jobs: int | None = Field(default=None, ge=1)  # jobs in flight; empty: no cap
    # ray: the cluster's dashboard (Jobs API); its nodes see the data folder at the same path.
    ray_address: str = "http://127.0.0.1:8265"
    ray_python: str | None = None  # a bare `python` in a kernel's command; empty: the platform's
    ray_autoscaling: bool = False  # nodes come on demand: accept jobs larger than any node now
    stop_grace_seconds: float = 10.0
    # How long a finished job's process may be gone before a missing training_done counts
    # as abnormal termination (status messages may still be on their way).
    exit_grace_seconds: float = 2.0
    retention_days: float = 7.0
    # Object storage for datasets registered as s3://bucket/prefix (DLaaS manifests bring
    # their own connection). Empty endpoint: no s3:// datasets.
    s3_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    s3_workers: int = 8  # objects moved at once
    # A DLaaS model definition (.zip) or an uploaded kernel that unpacks to more is refused.
    dlaas_max_unpacked_bytes: int = 1024**3
    # An uploaded dataset (.zip) that unpacks to more is refused; so is any upload that
    # unpacks to more than this many times its own size (beyond 64 MiB): a zip bomb.
    dataset_max_unpacked_bytes: int = 20 * 1024**3
    archive_max_ratio: float = 100.0
    # The only server folders an admin may register as datasets (comma-separated);
    # empty: <data_dir>/datasets and <data_dir>/demo.
    dataset_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("data_dir", mode="after")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        # Resolved once, here: kernels and supervisors run in other working directories, so
        # every path written from this one (vlad_training.json, job specs, rows) must be absolute.
        return value.expanduser().resolve()

    @field_validator("gpus", "docker_extra_mounts", "dataset_roots", mode="before")
    @classmethod
    def _split_gpus(cls, value: object) -> object:
        if isinstance(value, str):
            return [g.strip() for g in value.split(",") if g.strip()]
        return value

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'vlad.db'}"

    @property
    def search_storage(self) -> str:
        if self.search_storage_url is not None:
            return self.search_storage_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'search.db'}"

    def s3_connection(self) -> S3Connection | None:
        """The connection for s3:// datasets; None when no endpoint is set."""
        if not self.s3_endpoint_url:
            return None
        return S3Connection(
            endpoint_url=self.s3_endpoint_url.rstrip("/"),
            access_key_id=self.s3_access_key_id or "",
            secret_access_key=self.s3_secret_access_key or SecretStr(""),
            region=self.s3_region,
        )

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir / "datasets"

    @property
    def kernels_dir(self) -> Path:
        return self.data_dir / "kernels"

    @property
    def dataset_folder_roots(self) -> list[Path]:
        """The real paths under which server folders may be registered as datasets."""
        roots = self.dataset_roots or [self.datasets_dir, self.data_dir / "demo"]
        return [Path(root).expanduser().resolve() for root in roots]


@lru_cache
def get_settings() -> Settings:
    return Settings()
