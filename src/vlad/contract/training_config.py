"""`vlad_training.json` and `model.json` (SPEC sections 2 and 3)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SUPPORTED_CONFIG_VERSIONS = ("1.0",)
CONFIG_ENV_VAR = "VLAD_TRAINING_CONFIG"
CONTAINER_CONFIG_PATH = "/vlad_training.json"


class Operation(StrEnum):
    TRAINING = "training"
    VALIDATION = "validation"


class ValidationType(StrEnum):
    VALIDATION = "validation"
    INFERENCE = "inference"


class TrainingConfig(BaseModel):
    """The job description the platform writes for a kernel: `vlad_training.json`."""

    model_config = ConfigDict(extra="allow", use_enum_values=False)

    # The seed's example writes the version as the number 1.0; we write the string "1.0".
    vlad_training_config_version: str
    operation: Operation
    model_id: str | None = None
    validation_id: str | None = None
    validation_type: ValidationType | None = None
    dataset_path: str
    temp_path: str
    base_model_path: str | None = None
    model_write_path: str
    message_host: str
    message_port: int
    message_id: str
    message_pw: str = Field(repr=False)
    queue_name: str
    training_config_file: str
    project_key: str = Field(repr=False)
    etc_path: str | None = None
    # [decision] Not in the seeds: the checkpoint folder a restarted job continues from
    # (`<model_write_path>/save/checkpoints/<step>/`). A kernel that ignores it starts over.
    resume_path: str | None = None

    @field_validator("vlad_training_config_version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{float(value):.1f}"
        return value

    @field_validator("operation", mode="before")
    @classmethod
    def _train_alias(cls, value: Any) -> Any:
        # The seed's example shows "train"; its table says "training".
        return "training" if value == "train" else value

    @field_validator("base_model_path", "etc_path", "resume_path", "validation_id", "model_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _ids_match_operation(self) -> TrainingConfig:
        if self.operation is Operation.TRAINING and not self.model_id:
            raise ValueError("operation 'training' needs a model_id")
        if self.operation is Operation.VALIDATION:
            if not self.validation_id:
                raise ValueError("operation 'validation' needs a validation_id")
            if self.validation_type is None:
                self.validation_type = ValidationType.VALIDATION
        return self

    @property
    def job_id(self) -> str:
        """The id status messages carry: model_id for training, validation_id otherwise."""
        if self.operation is Operation.TRAINING:
            assert self.model_id is not None
            return self.model_id
        assert self.validation_id is not None
        return self.validation_id

    @property
    def version_supported(self) -> bool:
        return self.vlad_training_config_version in SUPPORTED_CONFIG_VERSIONS

    @property
    def metrics_dir(self) -> Path:
        return Path(self.model_write_path) / "save" / "metrics"

    @property
    def checkpoints_dir(self) -> Path:
        return Path(self.model_write_path) / CHECKPOINTS

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", exclude_none=True), indent=2)


# A job's checkpoints, relative to its model_write_path: one folder per checkpoint, named
# after its step (`save/checkpoints/3/`). Only such a folder counts; one is written under
# another name and renamed, so that a crash never leaves half a checkpoint under a step.
CHECKPOINTS = Path("save") / "checkpoints"


def checkpoint_step(name: str) -> int | None:
    """The step a checkpoint folder's name gives; None for any other name (a partial one)."""
    return int(name) if name.isascii() and name.isdigit() and len(name) <= 19 else None


class ModelJson(BaseModel):
    """`model.json`: the job's hyperparameters. Only `training_type` is common to all kernels."""

    model_config = ConfigDict(extra="allow")

    training_type: str

    @property
    def values(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
