"""What clients send."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vlad.server.schemas.fields import Description, FiniteJson, Name, Ref, TrainingType

MAX_LISTED = 100  # datasets or extra files named in one request
MAX_RUNS = 500  # runs in one experiment, listed and from its grid together


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KernelRegister(Strict):
    path: str | None = Field(default=None, description="A kernel folder (holding kernel.json) on the server")
    manifest: dict[str, Any] | None = Field(default=None, description="The manifest itself")
    executor: str | None = Field(default=None, description="Run this kernel with another executor")


class DatasetRegister(Strict):
    name: Name
    training_type: TrainingType
    location: str = Field(description="A folder on the server, or s3://bucket/prefix")
    description: Description = ""


class TrainRequest(Strict):
    """A training job. For retrain and continue, unset fields come from the base model."""

    name: Name | None = Field(default=None, description="Default: generated from kernel and time")
    description: Description = ""
    kernel: Ref | None = Field(
        default=None,
        description="Kernel id, name or name:version; "
        "default: the newest kernel supporting the datasets' training type",
    )
    model_type: Ref | None = Field(default=None, description="Default: the kernel's first model type")
    training_datasets: list[Ref] = Field(
        default_factory=list, max_length=MAX_LISTED, description="Dataset ids or names"
    )
    validation_datasets: list[Ref] = Field(default_factory=list, max_length=MAX_LISTED)
    hyperparameters: Annotated[dict[str, Any], FiniteJson] | None = Field(
        default=None, description="Merged over the model type's defaults"
    )
    extra_files: list[str] = Field(
        default_factory=list,
        max_length=MAX_LISTED,
        description="Ids of this project's uploaded files (POST /files), handed to the kernel at etc_path",
    )
    gpu_count: int | None = Field(default=None, description="Default: the kernel's minimum")


class ValidateRequest(Strict):
    kernel: Ref | None = Field(default=None, description="Default: the kernel that trained the model")
    datasets: list[Ref] = Field(min_length=1, max_length=MAX_LISTED, description="Dataset ids or names")
    validation_type: Literal["validation", "inference"] = "validation"
    gpu_count: int | None = None


class ExperimentRequest(Strict):
    """Many training runs at once: `runs` (hyperparameter sets) or `grid` (every combination)."""

    name: Name
    description: Description = ""
    base: TrainRequest
    runs: Annotated[list[dict[str, Any]], FiniteJson] = Field(default_factory=list, max_length=MAX_RUNS)
    grid: Annotated[dict[str, list[Any]], FiniteJson] = Field(
        default_factory=dict, description=f"Every combination is a run: at most {MAX_RUNS} in all"
    )


class TokenCreate(Strict):
    name: Name = "cli"
