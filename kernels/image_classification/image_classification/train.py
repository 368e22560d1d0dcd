"""Training: `fit` trains (or fine-tunes) a classifier and writes the model folder."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from image_classification.data import (
    encode_labels,
    hold_out,
    labeled_items,
    load_images,
    to_input,
)
from image_classification.device import parallel, pick_device
from image_classification.errors import InputError
from image_classification.models import build_model, load_base_model, save_model
from image_classification.settings import Settings

StepCallback = Callable[[int, int], None]  # (global step, total steps)
EpochCallback = Callable[[int, dict[str, float]], None]  # (epoch, metrics of that epoch)
CheckpointWriter = Callable[[int], AbstractContextManager[Path]]  # epoch -> a folder to fill
SUMMARY_FILE = "training_summary.json"
STATE_FILE = "state.pt"
Split = tuple[torch.Tensor, torch.Tensor]  # uint8 images (N, C, S, S), class indices (N,)


def fit(
    train_dir: Path,
    val_dir: Path | None,
    hyperparameters: dict[str, Any],
    out_dir: Path,
    *,
    base_model: Path | None = None,
    on_step: StepCallback | None = None,
    on_epoch: EpochCallback | None = None,
    checkpoint: CheckpointWriter | None = None,
    resume: Path | None = None,
) -> dict[str, Any]:
    """Train on `train_dir`, validate each epoch on `val_dir`, write the model to `out_dir`.

    `train_dir`/`val_dir` hold ``<label>/<image>``. Without `val_dir`, `validation_split` of
    the training images is held out instead. `base_model` is a folder written by an earlier
    `fit`; its weights are the starting point. Writes model.pt, model.json and
    training_summary.json; returns the summary. A stop (StopRequested) saves model.pt first.

    After each epoch, `checkpoint(epoch)` (the SDK's `job.checkpoint`) gets a folder for the
    whole training state: weights, optimizer, learning-rate schedule, random generators,
    epoch and step. `resume` is such a folder: training goes on after its epoch, exactly as
    it would have without the interruption.
    """
    started = time.monotonic()
    out_dir = Path(out_dir)
    settings = Settings.from_hyperparameters(hyperparameters)
    torch.manual_seed(settings.seed)
    classes, (x_train, y_train), val = _load(Path(train_dir), val_dir, settings)
    meta = settings.model_meta(classes)
    model = build_model(meta) if base_model is None else load_base_model(base_model, meta)
    device = pick_device()
    net = parallel(model, device)
    optimizer = _optimizer(settings, net.parameters())
    batches = _batch_count(len(y_train), settings.batch_size)
    total = batches * settings.epochs
    scheduler = None
    if settings.lr_schedule == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    generator = torch.Generator().manual_seed(settings.seed)
    summary: dict[str, Any] = {
        "first_batch_loss": None,
        "model_type": settings.model_type,
        "classes": classes,
        "base_model": str(base_model) if base_model else None,
    }
    step = epoch = first_epoch = 0
    if resume is not None and (resume / STATE_FILE).is_file():
        state = torch.load(resume / STATE_FILE, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler") is not None:
            scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        step, first_epoch = state["step"], state["epoch"]
        summary.update(state["summary"], resumed_from_epoch=first_epoch)

    def after_batch(loss: float) -> None:
        nonlocal step
        step += 1
        if not math.isfinite(loss):
            raise InputError(
                f"Training diverged: the loss became {loss} at epoch {epoch}, step {step}. "
                f"Lower learning_rate (now {settings.learning_rate})."
            )
        if summary["first_batch_loss"] is None:
            summary["first_batch_loss"] = loss
        if on_step is not None:
            on_step(step, total)

    try:
        for epoch in range(first_epoch + 1, settings.epochs + 1):
            chunks = torch.randperm(len(y_train), generator=generator).tensor_split(batches)
            net.train()
            metrics = _train_epoch(net, optimizer, scheduler, x_train, y_train, chunks, device, after_batch)
            if len(val[1]):
                metrics["val_loss"], metrics["val_accuracy"] = _score(net, *val, device)
            if on_epoch is not None:
                on_epoch(epoch, metrics)
            summary.update(metrics)
            if checkpoint is not None and epoch < settings.epochs:
                with checkpoint(epoch) as folder:
                    state = {
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict() if scheduler is not None else None,
                        "generator": generator.get_state(),
                        "torch_rng": torch.get_rng_state(),
                        "epoch": epoch,
                        "step": step,
                        "summary": summary,
                    }
                    torch.save(state, folder / STATE_FILE)
    except BaseException as exc:
        if not isinstance(exc, Exception) and step:  # a stop, not a failure: keep the work so far
            save_model(model, out_dir, {**meta, "trained_epochs": epoch - 1, "stopped": True})
            _write_json(out_dir / "model.json", hyperparameters)
        raise

    save_model(model, out_dir, {**meta, "trained_epochs": settings.epochs})
    _write_json(out_dir / "model.json", hyperparameters)
    summary["final_train_loss"] = summary.pop("train_loss")
    summary.setdefault("val_accuracy", None)
    summary.update(
        epochs=settings.epochs,
        steps=step,
        device=str(device),
        seconds=round(time.monotonic() - started, 3),
    )
    _write_json(out_dir / SUMMARY_FILE, summary)
    return summary


def _load(train_dir: Path, val_dir: Path | None, settings: Settings) -> tuple[list[str], Split, Split]:
    train_items = labeled_items(train_dir)
    classes = sorted({label for _, label in train_items})
    if val_dir is not None:
        val_items = labeled_items(Path(val_dir))
    else:
        train_items, val_items = hold_out(train_items, settings.validation_split, settings.seed)

    def tensors(items: list[tuple[Path, str]], where: Path) -> Split:
        images = load_images([p for p, _ in items], settings.image_size, settings.channels)
        return images, encode_labels([label for _, label in items], classes, where)

    return classes, tensors(train_items, train_dir), tensors(val_items, Path(val_dir or train_dir))


def _train_epoch(
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    x: torch.Tensor,
    y: torch.Tensor,
    chunks: tuple[torch.Tensor, ...],
    device: torch.device,
    after_batch: Callable[[float], None],
) -> dict[str, float]:
    loss_sum, correct = 0.0, 0
    for chunk in chunks:
        xb, yb = to_input(x[chunk]).to(device), y[chunk].to(device)
        logits = net(xb)
        loss = nn.functional.cross_entropy(logits, yb)
        after_batch(loss.item())  # before the update, so a diverged loss never reaches the weights
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        loss_sum += loss.item() * len(yb)
        correct += int((logits.argmax(1) == yb).sum())
    return {"train_loss": loss_sum / len(y), "train_accuracy": correct / len(y)}


def _batch_count(n: int, batch_size: int) -> int:
    # tensor_split into this many near-equal chunks avoids a last batch of one image (which
    # BatchNorm cannot train on) unless batch_size itself is 1.
    return max(1, math.ceil(n / batch_size))


def _optimizer(settings: Settings, params: Any) -> torch.optim.Optimizer:
    lr, wd = settings.learning_rate, settings.weight_decay
    if settings.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=settings.momentum, weight_decay=wd)
    if settings.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    if settings.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    raise InputError(f"Unknown optimizer {settings.optimizer!r}: expected adam, adamw or sgd.")


@torch.no_grad()
def _score(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, device: torch.device, batch_size: int = 512
) -> tuple[float, float]:
    """Mean loss and accuracy over a whole split, in eval mode."""
    net.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb = to_input(x[start : start + batch_size]).to(device)
        yb = y[start : start + batch_size].to(device)
        logits = net(xb)
        loss_sum += nn.functional.cross_entropy(logits, yb, reduction="sum").item()
        correct += int((logits.argmax(1) == yb).sum())
    return loss_sum / len(x), correct / len(x)


def _write_json(path: Path, body: Any) -> None:
    path.write_text(json.dumps(body, indent=2) + "\n")
