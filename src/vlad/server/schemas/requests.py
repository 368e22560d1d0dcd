"""What clients send."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KernelRegister(Strict):
    path: str | None = Field(default=None, description="A kernel folder (holding kernel.json) on the server")
    manifest: dict[str, Any] | None = Field(default=None, description="The manifest itself")
    executor: str | None = Field(default=None, description="Run this kernel with another executor")


class DatasetRegister(Strict):
    name: str
    training_type: str
    location: str = Field(description="A folder on the server, or s3://bucket/prefix")
    description: str = ""


class TrainRequest(Strict):
    """A training job. For retrain and continue, unset fields come from the base model."""

    name: str | None = Field(default=None, description="Default: generated from kernel and time")
    description: str = ""
    kernel: str | None = Field(
        default=None,
        description="Kernel id, name or name:version; "
        "default: the newest kernel supporting the datasets' training type",
    )
    model_type: str | None = Field(default=None, description="Default: the kernel's first model type")
    training_datasets: list[str] = Field(default_factory=list, description="Dataset ids or names")
    validation_datasets: list[str] = Field(default_factory=list)
    hyperparameters: dict[str, Any] | None = Field(
        default=None, description="Merged over the model type's defaults"
    )
    extra_files: list[str] = Field(default_factory=list, description="Ids of uploaded files (etc_path)")
    gpu_count: int | None = Field(default=None, description="Default: the kernel's minimum")


class ValidateRequest(Strict):
    kernel: str | None = Field(default=None, description="Default: the kernel that trained the model")
    datasets: list[str] = Field(min_length=1, description="Dataset ids or names")
    validation_type: Literal["validation", "inference"] = "validation"
    gpu_count: int | None = None


class ExperimentRequest(Strict):
    """Many training runs at once: `runs` (hyperparameter sets) or `grid` (every combination)."""

    name: str
    description: str = ""
    base: TrainRequest
    runs: list[dict[str, Any]] = Field(default_factory=list)
    grid: dict[str, list[Any]] = Field(default_factory=dict)


class TokenCreate(Strict):
    name: str = "cli"
