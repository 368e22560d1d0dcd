"""The model types and the model file (`model.pt`) they are saved in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from image_classification.errors import InputError

MODEL_FILE = "model.pt"
FORMAT = "vlad-image-classification/1"


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


def small_cnn(channels: int, image_size: int, num_classes: int, width: int) -> nn.Module:
    """Three conv stages (width, 2x, 4x) with pooling between; any image_size >= 4."""
    return nn.Sequential(
        _conv(channels, width), nn.MaxPool2d(2),
        _conv(width, 2 * width), nn.MaxPool2d(2, ceil_mode=True),
        _conv(2 * width, 4 * width),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(0.2), nn.Linear(4 * width, num_classes),
    )  # fmt: skip


def mlp(channels: int, image_size: int, num_classes: int, width: int) -> nn.Module:
    """Two hidden layers over the flattened pixels: the baseline a CNN should beat."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(channels * image_size * image_size, width), nn.ReLU(inplace=True),
        nn.Dropout(0.1),
        nn.Linear(width, width // 2), nn.ReLU(inplace=True),
        nn.Linear(width // 2, num_classes),
    )  # fmt: skip


class _Residual(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv(c_in, c_out, stride),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
            nn.BatchNorm2d(c_out),
        )
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.body(x) + self.skip(x))


def resnet_tiny(channels: int, image_size: int, num_classes: int, width: int) -> nn.Module:
    """A ResNet-style net of three residual stages; the type for larger images."""
    return nn.Sequential(
        _conv(channels, width),
        _Residual(width, width, 1),
        _Residual(width, 2 * width, 2),
        _Residual(2 * width, 4 * width, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(4 * width, num_classes),
    )  # fmt: skip


Builder = Callable[[int, int, int, int], nn.Module]
# name -> (builder, default width); kernel.json's model_types use the same names.
MODEL_TYPES: dict[str, tuple[Builder, int]] = {
    "small_cnn": (small_cnn, 32),
    "mlp": (mlp, 256),
    "resnet_tiny": (resnet_tiny, 16),
}


def build_model(meta: dict[str, Any]) -> nn.Module:
    """A fresh model from its description: model_type, channels, image_size, classes, width."""
    if meta["model_type"] not in MODEL_TYPES:
        raise InputError(f"Unknown model_type {meta['model_type']!r}: expected one of {sorted(MODEL_TYPES)}.")
    builder, _ = MODEL_TYPES[meta["model_type"]]
    return builder(meta["channels"], meta["image_size"], len(meta["classes"]), meta["width"])


def default_width(model_type: str) -> int:
    return MODEL_TYPES[model_type][1] if model_type in MODEL_TYPES else 0


def save_model(model: nn.Module, folder: Path, meta: dict[str, Any]) -> Path:
    """Write `folder/model.pt`: the weights and what is needed to rebuild and use them."""
    model = getattr(model, "module", model)  # unwrap DataParallel
    path = Path(folder) / MODEL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # Written aside then renamed, so a stop mid-write never leaves a broken model.pt.
    torch.save({"format": FORMAT, "meta": meta, "state_dict": model.state_dict()}, tmp)
    tmp.replace(path)
    return path


def load_model(folder: Path) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the model saved in `folder` (a training job's model_write_path)."""
    path = Path(folder) / MODEL_FILE
    if not path.is_file():
        raise InputError(
            f"No model file at {path}: expected the folder of a model trained by this kernel, "
            f"holding {MODEL_FILE}."
        )
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file raises many kinds of errors
        raise InputError(f"Cannot read the model file {path}: {exc}") from exc
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise InputError(
            f"{path} is not a model of this kernel: expected format {FORMAT!r}, "
            f"got {saved.get('format') if isinstance(saved, dict) else type(saved).__name__!r}."
        )
    meta = saved["meta"]
    model = build_model(meta)
    model.load_state_dict(saved["state_dict"])
    return model, meta


def load_base_model(folder: Path, meta: dict[str, Any]) -> nn.Module:
    """The model in `folder`, checked to be the one `meta` describes (for additional training)."""
    model, base = load_model(folder)
    differences = [
        f"{key}: base model {base.get(key)!r}, this job {meta[key]!r}"
        for key in ("model_type", "classes", "image_size", "channels", "width")
        if base.get(key) != meta[key]
    ]
    if differences:
        raise InputError(
            "The base model does not fit this job (additional training keeps the model's "
            "model_type, classes, image_size, channels and width): " + "; ".join(differences) + "."
        )
    return model
