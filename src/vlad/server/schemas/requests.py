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


Priority = Annotated[
    int,
    Field(
        ge=-100,
        le=100,
        description="The scheduler's priority, -100..100 (default 0): higher goes first. "
        "Above 0 is for admins; members may lower their own jobs'",
    ),
]
Cpus = Annotated[
    float | None,
    Field(
        default=None, gt=0, le=1024, description="CPUs it needs; default: the kernel's resources.cpus, or 1"
    ),
]
MaxRestarts = Annotated[
    int,
    Field(
        ge=0,
        le=20,
        description="Times the job is started again from its newest checkpoint when it ends "
        "without training_done or training_error (killed, its node lost); default 2",
    ),
]
RestartOnError = Annotated[
    bool,
    Field(description="Restart it (as above) after the kernel's own training_error too; default: final"),
]
MemoryGb = Annotated[
    float | None,
    Field(
        default=None, gt=0, le=65536, description="Memory it needs (GB); default: the kernel's, or no bound"
    ),
]


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
    cpus: Cpus = None
    memory_gb: MemoryGb = None
    priority: Priority = 0
    max_restarts: MaxRestarts = 2
    restart_on_error: RestartOnError = False


class ValidateRequest(Strict):
    kernel: Ref | None = Field(default=None, description="Default: the kernel that trained the model")
    datasets: list[Ref] = Field(min_length=1, max_length=MAX_LISTED, description="Dataset ids or names")
    validation_type: Literal["validation", "inference"] = "validation"
    gpu_count: int | None = None
    cpus: Cpus = None
    memory_gb: MemoryGb = None
    priority: Priority = 0


class SearchParam(Strict):
    """One hyperparameter of a search's space: a range (`type` float or int, `low`..`high`,
    `log` for a log scale, `step` for an int's or float's grid) or `choices`."""

    type: Literal["float", "int"] | None = Field(
        default=None, description="A range's type; absent with choices"
    )
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    log: bool = False
    step: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    choices: Annotated[list[Any], FiniteJson] | None = Field(default=None, min_length=1, max_length=100)


class SearchObjective(Strict):
    metric: str = Field(
        min_length=3,
        max_length=300,
        description="`graph.column` of the runs' metric files (SPEC section 5), e.g. accuracy.val_accuracy",
    )
    mode: Literal["max", "min"] = "max"


class SearchSpec(Strict):
    """An experiment that searches: Optuna samples `max_trials` runs from `space`, reports the
    objective's rows to them as they appear, and stops (prunes) runs clearly worse."""

    space: dict[str, SearchParam] = Field(min_length=1, max_length=50)
    sampler: Literal["tpe", "random", "grid"] = "tpe"
    objective: SearchObjective
    pruner: Literal["asha", "median", "none"] = "asha"
    max_trials: int = Field(ge=1, le=MAX_RUNS)
    max_parallel: int | None = Field(default=None, ge=1, le=MAX_RUNS, description="Default: 4")
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1, description="The sampler's seed")
    first: Annotated[list[dict[str, Any]], FiniteJson] = Field(
        default_factory=list,
        max_length=MAX_RUNS,
        description="Parameter sets to try first, in order (known good settings), before sampling",
    )


class ExperimentRequest(Strict):
    """Many training runs at once: `runs` (hyperparameter sets), `grid` (every combination),
    or a `search` (runs sampled one after another, the worse ones stopped early)."""

    name: Name
    description: Description = ""
    base: TrainRequest
    runs: Annotated[list[dict[str, Any]], FiniteJson] = Field(default_factory=list, max_length=MAX_RUNS)
    grid: Annotated[dict[str, list[Any]], FiniteJson] = Field(
        default_factory=dict, description=f"Every combination is a run: at most {MAX_RUNS} in all"
    )
    max_parallel: int | None = Field(
        default=None, ge=1, le=MAX_RUNS, description="Runs at once, at most; default: no cap"
    )
    search: SearchSpec | None = None


class JobUpdate(Strict):
    """Change a waiting job (one not yet handed to its executor)."""

    priority: Priority


class ExperimentUpdate(Strict):
    max_parallel: int | None = Field(ge=1, le=MAX_RUNS, description="Runs at once, at most; null: no cap")


class ProjectRulesUpdate(Strict):
    """The scheduler's rules for a project (admins). A field left out is left as it is."""

    share: float | None = Field(
        default=None, gt=0, le=1000, description="Weight in the fair share between projects (default 1)"
    )
    quota_gpus: int | None = Field(
        default=None, ge=0, description="GPUs its jobs may hold at once; null: no quota"
    )
    quota_running: int | None = Field(
        default=None, ge=1, description="Jobs it may run at once; null: no quota"
    )


class TokenCreate(Strict):
    name: Name = "cli"
