"""The job's hyperparameters (model.json) as typed settings, with this kernel's defaults.

The defaults here are the schema's `default`s in kernel.json (a unit test keeps them
equal); the platform has already checked model.json against that schema.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from image_classification.errors import InputError
from image_classification.models import MODEL_TYPES, default_width


@dataclass(frozen=True)
class Settings:
    model_type: str = "small_cnn"
    epochs: int = 12
    batch_size: int = 64
    learning_rate: float = 0.003
    lr_schedule: str = "cosine"
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    image_size: int = 16
    channels: int = 3
    width: int | None = None  # None: the model type's own default
    validation_split: float = 0.1
    seed: int = 0

    @classmethod
    def from_hyperparameters(cls, hyperparameters: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(hyperparameters) - known - {"training_type"})
        if unknown:
            raise InputError(f"Unknown hyperparameters {unknown}: this kernel knows {sorted(known)}.")
        kind = hyperparameters.get("training_type", "classification")
        if kind != "classification":
            raise InputError(f"This kernel trains classification models; model.json asks for {kind!r}.")
        settings = cls(**{k: v for k, v in hyperparameters.items() if k in known})
        if settings.model_type not in MODEL_TYPES:
            raise InputError(f"Unknown model_type {settings.model_type!r}: expected {sorted(MODEL_TYPES)}.")
        return settings

    @property
    def model_width(self) -> int:
        return self.width or default_width(self.model_type)

    def model_meta(self, classes: list[str]) -> dict[str, Any]:
        """What model.pt records to rebuild the model: see `models.build_model`."""
        return {
            "model_type": self.model_type,
            "classes": classes,
            "image_size": self.image_size,
            "channels": self.channels,
            "width": self.model_width,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
