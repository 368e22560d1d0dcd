"""Trains a small PyTorch classifier on the digits images: a DLaaS model definition.

The platform runs it as the manifest's `execution.command` says, in the folder the .zip
was unpacked into, after downloading every file of the data bucket into ${DATA_DIR}:

    python3 train.py --data-dir ${DATA_DIR} --result-dir ${RESULT_DIR} --epochs 10

Data layout (what `vlad demo-dataset` writes): <data>/train/<label>/<image>.png and
<data>/val/<label>/<image>.png. Writes model.pt and labels.json to the result folder,
and one CSV per graph under save/metrics/ (the platform draws them). Its output is the
job's log; a non-zero exit fails the job with the last lines of that log.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn


def load_split(folder: Path, labels: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    images, targets = [], []
    for index, label in enumerate(labels):
        for path in sorted((folder / label).glob("*.png")):
            pixels = np.asarray(Image.open(path).convert("L").resize((8, 8)), dtype=np.float32) / 255.0
            images.append(pixels.reshape(-1))
            targets.append(index)
    if not images:
        raise SystemExit(f"no images under {folder}: expected {folder}/<label>/<image>.png")
    return torch.tensor(np.stack(images)), torch.tensor(targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--result-dir", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument(
        "--fail-at-epoch", type=int, default=0, help="for trying failures: crash at this epoch"
    )
    args = parser.parse_args()

    torch.manual_seed(0)
    train_dir, val_dir = args.data_dir / "train", args.data_dir / "val"
    if not train_dir.is_dir():
        sys.exit(f"no training data: {train_dir} does not exist (is the data bucket right?)")
    labels = sorted(p.name for p in train_dir.iterdir() if p.is_dir())
    x_train, y_train = load_split(train_dir, labels)
    x_val, y_val = load_split(val_dir, labels) if val_dir.is_dir() else (x_train, y_train)
    print(f"{len(x_train)} training and {len(x_val)} validation images, {len(labels)} classes", flush=True)

    model = nn.Sequential(nn.Linear(64, args.hidden), nn.ReLU(), nn.Linear(args.hidden, len(labels)))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    metrics = args.result_dir / "save" / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    with (
        (metrics / "loss.csv").open("w", newline="") as loss_file,
        (metrics / "accuracy.csv").open("w", newline="") as accuracy_file,
    ):
        loss_csv, accuracy_csv = csv.writer(loss_file), csv.writer(accuracy_file)
        loss_csv.writerow(["epoch", "train_loss"])
        accuracy_csv.writerow(["epoch", "val_accuracy"])
        started = time.monotonic()
        for epoch in range(1, args.epochs + 1):
            if epoch == args.fail_at_epoch:
                raise RuntimeError(f"asked to fail at epoch {epoch} (--fail-at-epoch)")
            model.train()
            order = torch.randperm(len(x_train))
            total = 0.0
            for start in range(0, len(order), 64):
                batch = order[start : start + 64]
                optimizer.zero_grad()
                loss = loss_fn(model(x_train[batch]), y_train[batch])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            model.eval()
            with torch.no_grad():
                accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
            loss_csv.writerow([epoch, round(total / len(x_train), 5)])
            accuracy_csv.writerow([epoch, round(accuracy, 5)])
            loss_file.flush()
            accuracy_file.flush()
            loss_value = total / len(x_train)
            print(f"epoch {epoch}/{args.epochs}: train loss {loss_value:.4f}, val accuracy {accuracy:.3f}")
    torch.save(model.state_dict(), args.result_dir / "model.pt")
    (args.result_dir / "labels.json").write_text(json.dumps(labels))
    print(f"trained in {time.monotonic() - started:.1f} s; model written to {args.result_dir / 'model.pt'}")


if __name__ == "__main__":
    main()
