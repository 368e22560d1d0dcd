"""The kernel manifest, `kernel.json` (SPEC section 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vlad.contract.hyperparameters import check_hyperparameters

MANIFEST_FILE = "kernel.json"
# A training type names a kind of labels and is matched and shown everywhere: a plain token.
TRAINING_TYPE = r"^[A-Za-z0-9_.-]{1,100}$"
ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"  # no control characters


class GpuRange(BaseModel):
    model_config = ConfigDict(extra="allow")

    minimum: int = Field(default=1, ge=0)
    maximum: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> GpuRange:
        if self.maximum < self.minimum:
            raise ValueError(
                f"supported_gpu_count.maximum ({self.maximum}) is below its minimum ({self.minimum})"
            )
        return self

    def check(self, count: int) -> None:
        if not self.minimum <= count <= self.maximum:
            raise ValueError(
                f"gpu_count {count} is outside this kernel's supported range {self.minimum}..{self.maximum}"
            )


class Resources(BaseModel):
    """What one run needs besides GPUs; the platform's scheduler counts it (SPEC section 3).
    Absent: 1 CPU, no memory bound."""

    model_config = ConfigDict(extra="allow")

    cpus: float = Field(default=1.0, gt=0, le=1024)
    memory_gb: float | None = Field(default=None, gt=0, le=65536)


class KernelManifest(BaseModel):
    """What a kernel declares about itself. Checked fully when it is loaded."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    version: str = Field(min_length=1, max_length=100, pattern=ONE_LINE)
    description: str = Field(default="", max_length=10_000)
    image: str | None = None
    command: list[str] = Field(default_factory=list)
    training_types: list[Annotated[str, Field(pattern=TRAINING_TYPE)]] = Field(min_length=1)
    # Where a kernel sets no range, the GPU count is fixed at 1.
    supported_gpu_count: GpuRange = Field(default_factory=GpuRange)
    resources: Resources = Field(default_factory=Resources)
    model_types: dict[str, dict[str, Any]] = Field(min_length=1)
    schema_: dict[str, Any] = Field(alias="schema")

    @field_validator("schema_")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"schema is not a valid JSON Schema (draft 2020-12): {exc.message}") from exc
        if "training_type" not in schema.get("required", []):
            raise ValueError("schema must list 'training_type' in its 'required' fields")
        return schema

    @model_validator(mode="after")
    def _defaults_satisfy_schema(self) -> KernelManifest:
        for model_type, defaults in self.model_types.items():
            problems = check_hyperparameters(defaults, self.schema_)
            if problems:
                listed = "; ".join(str(p) for p in problems)
                raise ValueError(f"model_types.{model_type}: its defaults break the schema: {listed}")
            if defaults.get("training_type") not in self.training_types:
                raise ValueError(
                    f"model_types.{model_type}: training_type {defaults.get('training_type')!r} "
                    f"is not one of training_types {self.training_types}"
                )
        return self

    @property
    def default_model_type(self) -> str:
        return next(iter(self.model_types))

    def defaults_for(self, model_type: str | None = None) -> dict[str, Any]:
        name = model_type or self.default_model_type
        if name not in self.model_types:
            raise KeyError(f"unknown model type {name!r}; this kernel has {sorted(self.model_types)}")
        return dict(self.model_types[name])

    @classmethod
    def load(cls, path: str | Path) -> KernelManifest:
        """Read a manifest from a kernel folder or a `kernel.json` path."""
        path = Path(path)
        if path.is_dir():
            path = path / MANIFEST_FILE
        return cls.model_validate(json.loads(path.read_text()))

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", by_alias=True), indent=2)
