"""One job of a kernel on this machine, with no platform (`vlad kernel run`, the checker).

Prepares the job's folders, writes `vlad_training.json` and `model.json`, starts the
kernel's `command` with `VLAD_TRAINING_CONFIG` set, and reads its status messages from
a queue of its own until the kernel has exited and its messages are drained. The broker
is the caller's: the platform's, or one `vlad.devtools.kernel_runner` starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pika

from vlad.contract import (
    KernelManifest,
    Operation,
    Status,
    StatusMessage,
    TrainingConfig,
    ValidationType,
    check_hyperparameters,
)


class RunError(Exception):
    """The run could not be prepared; the message says why."""


@dataclass
class Outcome:
    exit_code: int
    messages: list[dict[str, Any]]
    write_path: Path
    log_path: Path
    # Each message's body as it came off the queue, for checks that must see what was sent.
    bodies: list[bytes] = field(default_factory=list)

    @property
    def final(self) -> dict[str, Any] | None:
        terminal = [m for m in self.messages if not m.get("invalid") and Status(m["status"]).is_terminal]
        return terminal[0] if terminal else None

    @property
    def done(self) -> bool:
        final = self.final
        return final is not None and Status(final["status"]).canonical is Status.DONE

    def summary(self) -> str:
        final = self.final
        if final is None:
            what = f"ended abnormally (exit code {self.exit_code}) without training_done"
        elif self.done:
            what = "finished with training_done"
        else:
            what = f"failed: {final.get('message')}"
        metrics = self.write_path / "save" / "metrics"
        return (
            f"The kernel {what}.\n  written to: {self.write_path}\n  metrics:    {metrics}\n"
            f"  log:        {self.log_path}"
        )


@dataclass
class KernelRun:
    kernel_dir: Path
    manifest: KernelManifest
    config: TrainingConfig
    root: Path
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    # How long to keep reading the queue after the kernel has exited.
    drain_seconds: float = 1.0

    @classmethod
    def prepare(
        cls,
        kernel_dir: Path,
        dataset: Path,
        *,
        hyperparameters: Path | None = None,
        model_type: str | None = None,
        base_model: Path | None = None,
        validation_type: ValidationType | None = None,
        etc: Path | None = None,
        out: Path | None = None,
    ) -> KernelRun:
        kernel_dir = kernel_dir.resolve()
        try:
            manifest = KernelManifest.load(kernel_dir)
        except FileNotFoundError as exc:
            raise RunError(f"{kernel_dir} has no kernel.json manifest") from exc
        except ValueError as exc:
            raise RunError(f"{kernel_dir}/kernel.json is not a valid kernel manifest: {exc}") from exc
        if not manifest.command:
            raise RunError(f"kernel.json of {manifest.name} has no 'command' to run it outside a container")
        if not dataset.is_dir():
            raise RunError(f"dataset folder {dataset} does not exist")
        values = cls._hyperparameters(manifest, hyperparameters, model_type)
        job_id = uuid.uuid4().hex[:12]
        root = (out or Path("vlad-runs") / job_id).resolve()
        training = validation_type is None
        config = TrainingConfig(
            vlad_training_config_version="1.0",
            operation=Operation.TRAINING if training else Operation.VALIDATION,
            model_id=job_id if training else None,
            validation_id=None if training else job_id,
            validation_type=validation_type,
            dataset_path=str(dataset.resolve()),
            temp_path=str(root / "temp"),
            base_model_path=str(base_model.resolve()) if base_model else None,
            model_write_path=str(root / "output"),
            message_host="",
            message_port=0,
            message_id="",
            message_pw="",
            queue_name=f"vlad-kernel-run-{job_id}",
            training_config_file=str(root / "model.json"),
            project_key=uuid.uuid4().hex,
            etc_path=str(etc.resolve()) if etc else None,
        )
        return cls(kernel_dir, manifest, config, root, values)

    @staticmethod
    def _hyperparameters(
        manifest: KernelManifest, path: Path | None, model_type: str | None
    ) -> dict[str, Any]:
        if path is None:
            try:
                return manifest.defaults_for(model_type)
            except KeyError as exc:
                raise RunError(str(exc.args[0])) from exc
        try:
            values = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise RunError(f"cannot read hyperparameters from {path}: {exc}") from exc
        problems = check_hyperparameters(values, manifest.schema_)
        if problems:
            raise RunError(f"{path} breaks the kernel's schema: " + "; ".join(map(str, problems)))
        return values

    def execute(
        self,
        broker_url: str,
        on_message: Callable[[dict[str, Any]], None] | None = None,
        on_tick: Callable[[subprocess.Popen[bytes]], None] | None = None,
    ) -> Outcome:
        """Run the kernel to its end on the broker at `broker_url`. `on_message` sees each
        message as it comes off the queue; `on_tick(process)` is called about every 50 ms
        while it runs (to signal it, or to kill it past a deadline)."""
        env = self._write_files(broker_url)
        connection = pika.BlockingConnection(pika.URLParameters(broker_url))
        channel = connection.channel()
        channel.queue_declare(self.config.queue_name, durable=True)
        log_path = self.root / "kernel.log"
        messages: list[dict[str, Any]] = []
        bodies: list[bytes] = []
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                kernel_argv(self.manifest),
                cwd=self.kernel_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            exited_at: float | None = None
            # After the kernel exits, wait a little for messages still on their way.
            while exited_at is None or time.monotonic() - exited_at < self.drain_seconds:
                if exited_at is None and on_tick is not None:
                    on_tick(process)
                method, _props, body = channel.basic_get(self.config.queue_name, auto_ack=True)
                if method is None:
                    connection.sleep(0.05)
                    if exited_at is None and process.poll() is not None:
                        exited_at = time.monotonic()
                    continue
                bodies.append(body)
                message = _decode(body)
                messages.append(message)
                if on_message is not None:
                    on_message(message)
        channel.queue_delete(self.config.queue_name)
        connection.close()
        return Outcome(process.returncode, messages, Path(self.config.model_write_path), log_path, bodies)

    def _write_files(self, url: str) -> dict[str, str]:
        parsed = urlparse(url)
        self.config = self.config.model_copy(
            update={
                "message_host": parsed.hostname or "127.0.0.1",
                "message_port": parsed.port or 5672,
                "message_id": unquote(parsed.username or "guest"),
                "message_pw": unquote(parsed.password or "guest"),
            }
        )
        for sub in ("temp", "output"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        (self.root / "model.json").write_text(json.dumps(self.hyperparameters, indent=2))
        config_file = self.root / "vlad_training.json"
        config_file.write_text(self.config.to_json())
        return {**os.environ, "VLAD_TRAINING_CONFIG": str(config_file)}


def kernel_argv(manifest: KernelManifest) -> list[str]:
    """The manifest's command, with a bare `python` meaning this interpreter (and its venv)."""
    argv = list(manifest.command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv


def _decode(body: bytes) -> dict[str, Any]:
    try:
        return StatusMessage.from_body(body).model_dump(mode="json", exclude_none=True)
    except ValueError:
        return {"invalid": True, "body": body[:200].decode("utf-8", errors="replace")}
