"""scikit-learn's bundled digits, written as a classification dataset.

The classification dataset layout (what the reference kernel and the platform expect)::

    <dataset_path>/
        train/<label>/<image>.png     # one folder per class; the folder name is the label
        val/<label>/<image>.png       # optional; a dataset may have train/ and/or val/
        dataset.json                  # optional summary, written by tools such as this one

Images are PNG or JPEG files (``.png``, ``.jpg``, ``.jpeg``), grayscale or RGB, of any
size; a kernel resizes them. The labels are the folder names, the same in every split.

The digits are 1,797 images of 8x8 pixels with values 0..16 (no download needed); they are
written as 8-bit grayscale PNGs, 0..16 scaled to 0..255.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

SOURCE = "scikit-learn digits"


def write_digits_dataset(root: Path, val_fraction: float = 0.2, seed: int = 0) -> dict[str, Any]:
    """Write the digits under `root` in the classification layout; return the summary.

    The train/val split is stratified by class and the same for the same `seed`.
    `root` must not exist or be an empty folder: nothing already there is overwritten. A
    folder holding this very dataset already (same seed and split) is left as it is, so the
    command can be run twice (the README's dev loop and DLaaS example both start with it).
    """
    # Imported here: they come with the `reference-kernel` extra, not the bare install.
    from PIL import Image
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    root = Path(root)
    existing = _written_already(root, val_fraction, seed)
    if existing is not None:
        return existing
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ValueError(
            f"Refusing to write the digits dataset into {root}: it exists and is not an empty "
            "folder. Give a new path or an empty folder."
        )
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")

    digits = load_digits()
    images = np.rint(digits.images * (255.0 / 16.0)).clip(0, 255).astype(np.uint8)
    labels = digits.target
    indices = np.arange(len(labels))
    if val_fraction > 0:
        train_idx, val_idx = train_test_split(
            indices, test_size=val_fraction, stratify=labels, random_state=seed
        )
    else:
        train_idx, val_idx = indices, indices[:0]

    classes = [str(c) for c in sorted(set(labels.tolist()))]
    splits: dict[str, int] = {}
    for split, idx in (("train", train_idx), ("val", val_idx)):
        if len(idx) == 0:
            continue
        for i in sorted(idx.tolist()):
            folder = root / split / str(labels[i])
            folder.mkdir(parents=True, exist_ok=True)
            # A 2-D uint8 array becomes an 8-bit grayscale ("L") image.
            Image.fromarray(images[i]).save(folder / f"{i}.png")
        splits[split] = len(idx)

    summary = {
        "training_type": "classification",
        "classes": classes,
        "splits": splits,
        "source": SOURCE,
        "seed": seed,
        "val_fraction": val_fraction,
    }
    (root / "dataset.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _written_already(root: Path, val_fraction: float, seed: int) -> dict[str, Any] | None:
    """The summary of the same digits dataset at `root` (dataset.json is written last), or None."""
    try:
        summary = json.loads((root / "dataset.json").read_text())
    except (OSError, ValueError):
        return None
    same = (
        isinstance(summary, dict)
        and summary.get("source") == SOURCE
        and summary.get("seed") == seed
        and summary.get("val_fraction") == val_fraction
    )
    return {**summary, "existing": True} if same else None
