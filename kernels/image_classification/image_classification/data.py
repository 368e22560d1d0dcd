"""Reading the classification dataset layout into tensors.

Layout: ``<dataset_path>/<split>/<label>/<image>``, splits ``train`` and/or ``val``, images
``.png``/``.jpg``/``.jpeg``, the folder name is the label. Inference reads every image under
the dataset folder, whatever the folders are.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from image_classification.errors import InputError

SPLITS = ("train", "val")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
LAYOUT = "<dataset_path>/train/<label>/<image>.png|jpg (and optionally val/<label>/...)"


def is_image(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES


def require_split(dataset_path: Path, split: str) -> Path:
    dataset_path = Path(dataset_path)
    folder = dataset_path / split
    if folder.is_dir():
        return folder
    found = sorted(p.name for p in dataset_path.iterdir()) if dataset_path.is_dir() else []
    hint = ""
    if any(d.is_dir() and any(map(is_image, d.iterdir())) for d in dataset_path.glob("*")):
        hint = f" Its folders hold images: if they are the labels, move them into {folder}/."
    raise InputError(
        f"The dataset has no '{split}' folder: expected {folder} in the layout {LAYOUT}; "
        f"found {found or 'nothing'} in {dataset_path}.{hint}"
    )


def list_classes(split_dir: Path) -> list[str]:
    """The labels of a split: its sub-folders that hold at least one image, sorted."""
    entries = list(split_dir.iterdir())
    classes = sorted(d.name for d in entries if d.is_dir() and any(map(is_image, d.iterdir())))
    if not classes:
        loose = [p.name for p in entries if is_image(p)]
        found = f"images directly in it ({loose[0]}, ...)" if loose else "no labeled images"
        raise InputError(
            f"No labeled images in {split_dir}: expected one folder per label holding .png or .jpg "
            f"files, as in {LAYOUT}; found {found}."
        )
    return classes


def labeled_items(split_dir: Path) -> list[tuple[Path, str]]:
    """Every (image, label) of a split, in a stable order."""
    return [
        (image, label)
        for label in list_classes(split_dir)
        for image in sorted((split_dir / label).iterdir())
        if is_image(image)
    ]


def all_images(dataset_path: Path) -> list[Path]:
    """Every image under `dataset_path`, at any depth (for inference, labels unused)."""
    images = sorted(p for p in Path(dataset_path).rglob("*") if is_image(p))
    if not images:
        raise InputError(f"No .png or .jpg images found anywhere under {dataset_path}.")
    return images


def load_images(paths: Sequence[Path], image_size: int, channels: int) -> torch.Tensor:
    """Decode, convert and resize images into one uint8 tensor of shape (N, C, S, S).

    Kept as uint8 so a dataset costs one byte per pixel in memory; `to_input` scales a batch.
    """
    from PIL import Image, UnidentifiedImageError

    mode = "L" if channels == 1 else "RGB"
    out = torch.empty((len(paths), channels, image_size, image_size), dtype=torch.uint8)
    for i, path in enumerate(paths):
        try:
            with Image.open(path) as file:
                img = file.convert(mode)
            if img.size != (image_size, image_size):
                img = img.resize((image_size, image_size), Image.Resampling.BILINEAR)
            array = np.asarray(img, dtype=np.uint8)
        except (OSError, UnidentifiedImageError) as exc:
            raise InputError(f"Cannot read image {path}: {exc}. Expected a PNG or JPEG file.") from exc
        out[i] = torch.from_numpy(array.reshape(image_size, image_size, channels).transpose(2, 0, 1).copy())
    return out


def to_input(batch: torch.Tensor) -> torch.Tensor:
    """uint8 pixels 0..255 -> float in -1..1, the range every model type is trained on."""
    return batch.float().div_(127.5).sub_(1.0)


def encode_labels(labels: Sequence[str], classes: Sequence[str], where: Path) -> torch.Tensor:
    index = {c: i for i, c in enumerate(classes)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise InputError(
            f"{where} has labels {unknown} that the training classes {list(classes)} do not have: "
            "every label must also be a folder of train/."
        )
    return torch.tensor([index[label] for label in labels], dtype=torch.long)


def hold_out(items: list[tuple[Path, str]], fraction: float,
             seed: int) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:  # fmt: skip
    """Split (image, label) items, stratified by label; every label keeps one image to train on."""
    if fraction <= 0:
        return items, []
    rng = np.random.default_rng(seed)
    kept: list[tuple[Path, str]] = []
    held: list[tuple[Path, str]] = []
    for label in sorted({label for _, label in items}):
        of_label = [item for item in items if item[1] == label]
        count = min(round(len(of_label) * fraction), len(of_label) - 1)
        picked = set(rng.permutation(len(of_label))[:count].tolist())
        for i, item in enumerate(of_label):
            (held if i in picked else kept).append(item)
    return kept, held
