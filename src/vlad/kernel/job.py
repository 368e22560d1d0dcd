"""What a running kernel sees of its job."""

from __future__ import annotations

import math
import operator
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from vlad.contract import Command, Operation, Status, StatusMessage, TrainingConfig, ValidationType
from vlad.contract.status import STEP_MAX
from vlad.contract.training_config import checkpoint_step
from vlad.kernel.errors import KernelError, stop_event
from vlad.kernel.metrics import MetricWriter
from vlad.kernel.publisher import StatusPublisher


class Job:
    """One training or validation job: its folders, hyperparameters and reporting."""

    def __init__(
        self, config: TrainingConfig, hyperparameters: dict[str, Any], publisher: StatusPublisher
    ) -> None:
        self.config = config
        self.hyperparameters = hyperparameters
        self._publisher = publisher
        self._writers: dict[str, MetricWriter] = {}
        self.last_step = 0
        # How many checkpoints `checkpoint` keeps (the newest); $VLAD_KEEP_CHECKPOINTS, else 2.
        self.keep_checkpoints = _keep_checkpoints()

    # -- folders ---------------------------------------------------------------------------
    @property
    def dataset_path(self) -> Path:
        return Path(self.config.dataset_path)

    @property
    def temp_path(self) -> Path:
        """Scratch space; the platform empties it when the job ends."""
        return Path(self.config.temp_path)

    @property
    def model_write_path(self) -> Path:
        """Where the trained model (or the validation result) goes."""
        return Path(self.config.model_write_path)

    @property
    def base_model_path(self) -> Path | None:
        """The base model's folder for additional training; None when training from scratch."""
        return Path(self.config.base_model_path) if self.config.base_model_path else None

    @property
    def etc_path(self) -> Path | None:
        """The extra files the user attached to the job; None when there are none."""
        return Path(self.config.etc_path) if self.config.etc_path else None

    @property
    def metrics_dir(self) -> Path:
        return self.config.metrics_dir

    # -- checkpoints ---------------------------------------------------------------------------
    @property
    def resume_checkpoint(self) -> Path | None:
        """The checkpoint folder to continue from (the job was restarted), or None: start over.

        It is the platform's `resume_path`; what is in it is what the kernel put there."""
        path = self.config.resume_path
        return Path(path) if path and Path(path).is_dir() else None

    @contextmanager
    def checkpoint(self, step: int) -> Iterator[Path]:
        """Write a checkpoint: the block gets an empty folder to fill; when it ends without
        error, the folder becomes `save/checkpoints/<step>/` at once (a rename), so a crash
        never leaves half a checkpoint where the platform looks. The newest
        `keep_checkpoints` are kept. An error in the block leaves no checkpoint."""
        try:
            step = operator.index(step)
        except TypeError:
            raise KernelError(f"job.checkpoint: step must be an integer, got {step!r}.") from None
        if not 0 <= step <= STEP_MAX:
            raise KernelError(f"job.checkpoint: step must lie between 0 and 2**63-1, got {step}.")
        root = self.config.checkpoints_dir
        root.mkdir(parents=True, exist_ok=True)
        partial = root / f".partial-{step}-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        try:
            yield partial
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        target = root / str(step)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)  # the same step again (a resumed run): the newer one wins
        os.replace(partial, target)
        self._prune_checkpoints(root)

    def _prune_checkpoints(self, root: Path) -> None:
        steps = sorted(
            (s, entry) for entry in root.iterdir() if (s := checkpoint_step(entry.name)) is not None
        )
        for _, entry in steps[: max(0, len(steps) - max(1, self.keep_checkpoints))]:
            if entry.is_symlink() or not entry.is_dir():
                entry.unlink(missing_ok=True)
            else:
                shutil.rmtree(entry, ignore_errors=True)

    # -- what to do --------------------------------------------------------------------------
    @property
    def is_training(self) -> bool:
        return self.config.operation is Operation.TRAINING

    @property
    def validation_type(self) -> ValidationType | None:
        return self.config.validation_type

    @property
    def training_type(self) -> str:
        return str(self.hyperparameters["training_type"])

    # -- reporting ---------------------------------------------------------------------------
    def progress(self, step: int, total: int | None = None, percentage: float | None = None) -> None:
        """Report `training_ing`. Call it every step; it returns in microseconds.

        Give `total` (steps in the whole job) or an explicit `percentage` (kept within
        0..100; one that is not a finite number is left out). A step is an integer from 0
        to 2**63-1; anything else ends the job with `training_error` (a counter gone wrong).
        """
        try:
            step = operator.index(step)  # ints of numpy and torch too, never a float
        except TypeError:
            raise KernelError(f"job.progress: step must be an integer, got {step!r}.") from None
        if not 0 <= step <= STEP_MAX:
            raise KernelError(f"job.progress: step must lie between 0 and 2**63-1, got {step}.")
        if percentage is None:
            percentage = 100.0 * step / total if total else 0.0
        percentage = float(percentage)
        clamped = min(max(percentage, 0.0), 100.0) if math.isfinite(percentage) else None
        self.last_step = step
        self._publisher.publish(self._message(Status.ING, percentage=clamped, step=step))

    def log_metrics(self, name: str, x: float | int, *, x_name: str = "step", **values: float) -> None:
        """Append a row to the graph `name` (`save/metrics/<name>.csv`).

        `x` goes on the x axis (named `x_name` in the header, fixed by the first row).
        """
        writer = self._writers.get(name)
        if writer is None:
            writer = self._writers[name] = MetricWriter(self.metrics_dir, name, x_name)
        writer.write(x, **values)

    def fail(self, message: str) -> None:
        """End the job with `training_error` and this message (raises KernelError)."""
        raise KernelError(message)

    @property
    def should_stop(self) -> bool:
        """True once the platform asked the job to stop (SIGTERM arrived)."""
        return stop_event.is_set()

    def _message(self, status: Status, **fields: Any) -> StatusMessage:
        training = self.config.operation is Operation.TRAINING
        return StatusMessage(
            cmd=Command.TRAINING if training else Command.VALIDATION,
            project_key=self.config.project_key,
            model_id=self.config.model_id if training else None,
            validation_id=None if training else self.config.validation_id,
            status=status,
            **fields,
        )

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


def _keep_checkpoints() -> int:
    try:
        return max(1, int(os.environ.get("VLAD_KEEP_CHECKPOINTS") or 2))
    except ValueError:
        return 2
