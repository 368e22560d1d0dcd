"""Validation (score a model against labeled images) and inference (label images with it)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from image_classification.data import (
    LAYOUT,
    SPLITS,
    all_images,
    labeled_items,
    load_images,
    to_input,
)
from image_classification.device import parallel, pick_device
from image_classification.errors import InputError
from image_classification.models import load_model

StepCallback = Callable[[int, int], None]  # (batch, total batches)
RESULT_FILE = "validation_result.json"
ANNOTATIONS_FORMAT = "vlad-classification-annotations/1"


def evaluate(
    model_dir: Path,
    dataset_path: Path,
    out_dir: Path,
    *,
    batch_size: int = 256,
    on_step: StepCallback | None = None,
) -> dict[str, Any]:
    """Score the model in `model_dir` on every labeled image of every split of the dataset.

    Writes `out_dir/validation_result.json` (accuracy, per-class precision/recall/support,
    confusion matrix, count) and returns it. Labels the model does not know count as errors.
    """
    out_dir = Path(out_dir)
    model, meta = load_model(model_dir)
    splits = [Path(dataset_path) / s for s in SPLITS if (Path(dataset_path) / s).is_dir()]
    if not splits:
        raise InputError(
            f"The validation dataset {dataset_path} has no train/ or val/ folder: "
            f"expected the layout {LAYOUT}."
        )
    items = [item for split in splits for item in labeled_items(split)]
    probs = predict(model, meta, [path for path, _ in items], batch_size, on_step)

    labels = list(meta["classes"]) + sorted({lb for _, lb in items} - set(meta["classes"]))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for (_, truth), predicted in zip(items, probs.argmax(1).tolist(), strict=True):
        matrix[index[truth]][predicted] += 1
    per_class = {}
    for i, label in enumerate(labels):
        predicted_as = sum(row[i] for row in matrix)
        support = sum(matrix[i])
        per_class[label] = {
            "precision": matrix[i][i] / predicted_as if predicted_as else 0.0,
            "recall": matrix[i][i] / support if support else 0.0,
            "support": support,
        }
    result = {
        "accuracy": sum(matrix[i][i] for i in range(len(labels))) / len(items),
        "count": len(items),
        "per_class": per_class,
        "confusion_matrix": {"labels": labels, "matrix": matrix},
        "model_type": meta["model_type"],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / RESULT_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result


def metric_rows(result: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, float]]]:
    """The validation result as metric-CSV rows: (graph name, x, values).

    ``per_class``: x = class index, precision and recall. ``confusion_matrix``: x = true
    class index, one column per predicted class, named by its label.
    """
    labels = result["confusion_matrix"]["labels"]
    for i, label in enumerate(labels):
        scores = result["per_class"][label]
        yield "per_class", i, {"precision": scores["precision"], "recall": scores["recall"]}
    columns = [label.replace(",", " ") for label in labels]  # the CSV header is not quoted
    for i, row in enumerate(result["confusion_matrix"]["matrix"]):
        yield "confusion_matrix", i, dict(zip(columns, row, strict=True))


def infer(
    model_dir: Path,
    dataset_path: Path,
    out_dir: Path,
    *,
    batch_size: int = 256,
    on_step: StepCallback | None = None,
) -> dict[str, Any]:
    """Label every image under `dataset_path` with the model in `model_dir`.

    Writes `out_dir/annotations.json` (format vlad-classification-annotations/1) and the
    same rows as `annotations.csv` (image,label,score); returns the JSON body.
    """
    out_dir, dataset_path = Path(out_dir), Path(dataset_path)
    model, meta = load_model(model_dir)
    images = all_images(dataset_path)
    probs = predict(model, meta, images, batch_size, on_step)
    scores, predicted = probs.max(1)
    annotations = [
        {
            "image": path.relative_to(dataset_path).as_posix(),
            "label": meta["classes"][k],
            "score": round(score, 6),
        }
        for path, k, score in zip(images, predicted.tolist(), scores.tolist(), strict=True)
    ]
    body = {
        "format": ANNOTATIONS_FORMAT,
        "training_type": "classification",
        "classes": meta["classes"],
        "annotations": annotations,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "annotations.json").write_text(json.dumps(body, indent=2) + "\n")
    with (out_dir / "annotations.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["image", "label", "score"])
        writer.writeheader()
        writer.writerows(annotations)
    return body


@torch.no_grad()
def predict(
    model: nn.Module,
    meta: dict[str, Any],
    paths: Sequence[Path],
    batch_size: int,
    on_step: StepCallback | None = None,
) -> torch.Tensor:
    """Class probabilities (N, classes), decoding images a batch at a time to bound memory."""
    device = pick_device()
    net = parallel(model, device).eval()
    total = max(1, -(-len(paths) // batch_size))
    out = []
    for batch, start in enumerate(range(0, len(paths), batch_size), start=1):
        x = load_images(paths[start : start + batch_size], meta["image_size"], meta["channels"])
        out.append(torch.softmax(net(to_input(x).to(device)), dim=1).cpu())
        if on_step is not None:
            on_step(batch, total)
    return torch.cat(out) if out else torch.empty((0, len(meta["classes"])))
