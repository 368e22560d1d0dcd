"""Running a kernel: load the job, call the author's function, report the outcome.

The outcome (`training_done` or `training_error`) is flushed to the broker for up to
`$VLAD_FLUSH_TIMEOUT` seconds (default 60). When it cannot be delivered in that time (the
broker is down), the SDK writes it as JSON to `<model_write_path>/.vlad-outcome.json`
(`vlad.contract.status.OUTCOME_FILE`) and exits non-zero: 75 (EX_TEMPFAIL) after a done,
the error's own code after an error. The platform applies that file when the process has
ended without an outcome on the wire, and says so in the job's message.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from pydantic import ValidationError

from vlad.contract import (
    SUPPORTED_CONFIG_VERSIONS,
    KernelManifest,
    Operation,
    Status,
    TrainingConfig,
    check_hyperparameters,
)
from vlad.contract.manifest import MANIFEST_FILE
from vlad.contract.status import OUTCOME_FILE, StatusMessage
from vlad.contract.training_config import CONFIG_ENV_VAR, CONTAINER_CONFIG_PATH
from vlad.kernel.errors import KernelError, StopRequested, stop_event
from vlad.kernel.job import Job
from vlad.kernel.publisher import StatusPublisher

log = logging.getLogger("vlad.kernel")

JobFunction = Callable[[Job], Any]
FLUSH_TIMEOUT_ENV = "VLAD_FLUSH_TIMEOUT"  # seconds to deliver the last messages; default 60
UNDELIVERED_EXIT_CODE = 75  # training_done could not be delivered: it is in OUTCOME_FILE
# Set by a kernel that runs another program (the command kernel of DLaaS jobs): a program
# that calls run() itself creates this file, and the wrapping kernel leaves reporting to it.
REPORTING_MARKER_ENV = "VLAD_REPORTING_MARKER"


class OutcomeReported(Exception):  # noqa: N818 - an outcome, not an error
    """Raise from a job function whose program reported its own outcome: run() exits with
    `exit_code` and sends nothing more."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(f"the program reported its own outcome and exited with {exit_code}")
        self.exit_code = exit_code


def config_path() -> Path:
    """`$VLAD_TRAINING_CONFIG` when set (local process), else `/vlad_training.json` (container)."""
    return Path(os.environ.get(CONFIG_ENV_VAR) or CONTAINER_CONFIG_PATH)


def _find_manifest(manifest: str | Path | None) -> KernelManifest | None:
    candidates = [Path(manifest)] if manifest else []
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    candidates.append(Path.cwd() / MANIFEST_FILE)
    if main_file:
        candidates += [p / MANIFEST_FILE for p in Path(main_file).resolve().parents[:3]]
    for path in candidates:
        if path.is_file() or (path.is_dir() and (path / MANIFEST_FILE).is_file()):
            return KernelManifest.load(path)
    if manifest:
        raise KernelError(f"The kernel manifest {manifest} does not exist.")
    return None


def _publisher_for(raw: dict[str, Any]) -> StatusPublisher | None:
    """A publisher from a config that may be otherwise broken, so its error can be reported."""
    try:
        return StatusPublisher(
            str(raw["message_host"]),
            int(raw["message_port"]),
            str(raw["message_id"]),
            str(raw["message_pw"]),
            str(raw["queue_name"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _read_config(path: Path) -> tuple[dict[str, Any], TrainingConfig]:
    if not path.is_file():
        raise SystemExit(
            f"vlad: no job configuration at {path}. The platform mounts it at "
            f"{CONTAINER_CONFIG_PATH} or names it in ${CONFIG_ENV_VAR}; "
            "`vlad kernel run` does both for a local test."
        )
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SystemExit(f"vlad: {path} is not valid JSON: {exc}") from exc
    try:
        return raw, TrainingConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '$'}: {e['msg']}" for e in exc.errors())
        raise KernelError(f"{path} does not follow the vlad_training.json format: {problems}") from exc


def _check_job(config: TrainingConfig, manifest: KernelManifest | None) -> dict[str, Any]:
    if not config.version_supported:
        raise KernelError(
            f"vlad_training_config_version {config.vlad_training_config_version!r} is not supported "
            f"by this kernel; it supports {', '.join(SUPPORTED_CONFIG_VERSIONS)}."
        )
    model_json = Path(config.training_config_file)
    if not model_json.is_file():
        raise KernelError(f"The hyperparameter file (training_config_file) {model_json} does not exist.")
    try:
        hyperparameters = json.loads(model_json.read_text())
    except json.JSONDecodeError as exc:
        raise KernelError(f"{model_json} is not valid JSON: {exc}") from exc
    if manifest is not None:
        problems = check_hyperparameters(hyperparameters, manifest.schema_)
        if problems:
            raise KernelError(
                f"model.json does not satisfy the schema of kernel {manifest.name} {manifest.version}: "
                + "; ".join(str(p) for p in problems)
            )
        if hyperparameters.get("training_type") not in manifest.training_types:
            raise KernelError(
                f"training_type {hyperparameters.get('training_type')!r} is not supported by kernel "
                f"{manifest.name}; it supports {', '.join(manifest.training_types)}."
            )
    dataset = Path(config.dataset_path)
    if not dataset.is_dir():
        raise KernelError(f"The dataset folder (dataset_path) {dataset} does not exist.")
    if config.base_model_path and not Path(config.base_model_path).is_dir():
        raise KernelError(f"The base model folder (base_model_path) {config.base_model_path} does not exist.")
    Path(config.model_write_path).mkdir(parents=True, exist_ok=True)
    Path(config.temp_path).mkdir(parents=True, exist_ok=True)
    return hyperparameters


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one stop is enough
    stop_event.set()
    raise StopRequested("the platform asked the job to stop (SIGTERM)")


def _describe_crash(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return (
        f"The kernel stopped on an unexpected error: {type(exc).__name__}: {exc}{where}. "
        "The job's log has the full traceback."
    )


def run(
    train: JobFunction, validate: JobFunction | None = None, manifest: str | Path | None = None
) -> NoReturn:
    """Run the job this process was started for, report its outcome, and exit.

    Calls `train(job)` for a training job and `validate(job)` for a validation job
    (both validation and inference; look at `job.validation_type`). Exits 0 after
    `training_done`, 1 after `training_error`, 143 when stopped by SIGTERM, and 75 when
    `training_done` could not be delivered (it is then left in the output folder, see above).
    """
    logging.basicConfig(
        level=os.environ.get("VLAD_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    path = config_path()
    raw: dict[str, Any] = {}
    publisher: StatusPublisher | None = None
    job: Job | None = None
    exit_code, error, report = 0, None, True
    if os.environ.get(REPORTING_MARKER_ENV):
        Path(os.environ[REPORTING_MARKER_ENV]).touch()
    try:
        raw = json.loads(path.read_text()) if path.is_file() else {}
        publisher = _publisher_for(raw)
        if publisher is not None:
            publisher.start()
        raw, config = _read_config(path)
        job = Job(config, {}, publisher or _unreachable())
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            job.hyperparameters = _check_job(config, _find_manifest(manifest))
            function = train if config.operation is Operation.TRAINING else validate
            if function is None:
                raise KernelError(f"This kernel does not support the operation {config.operation.value!r}.")
            function(job)
        finally:
            signal.signal(signal.SIGTERM, previous)
    except KernelError as exc:
        exit_code, error = 1, exc.message
    except OutcomeReported as exc:
        exit_code, report = exc.exit_code, False
    except StopRequested as exc:
        step = job.last_step if job else 0
        exit_code, error = 143, f"Stopped: {exc} at step {step}."
    except (SystemExit, json.JSONDecodeError) as exc:
        exit_code, error = 2, str(exc)
    except Exception as exc:  # noqa: BLE001 - every failure must become one training_error
        traceback.print_exc()
        exit_code, error = 1, _describe_crash(exc)
    if not _finish(publisher, raw, job, error, report) and exit_code == 0:
        exit_code = UNDELIVERED_EXIT_CODE
    sys.exit(exit_code)


def _finish(
    publisher: StatusPublisher | None,
    raw: dict[str, Any],
    job: Job | None,
    error: str | None,
    report: bool = True,
) -> bool:
    """Send the outcome and flush; False when it could not be delivered in time."""
    if error:
        print(f"vlad: {error}", file=sys.stderr)
    if publisher is None:
        return True
    if job is None:
        job = _job_from_raw(raw, publisher)
    outcome = None
    if job is not None:
        if not report:
            pass  # the program this kernel ran has reported already
        elif error:
            outcome = job._message(Status.ERROR, message=error, step=job.last_step)
        else:
            outcome = job._message(Status.DONE, percentage=100.0, step=job.last_step)
        if outcome is not None:
            publisher.publish(outcome)
        job.close()
    timeout = _flush_timeout()
    if publisher.close(timeout):
        return True
    print(
        f"vlad: could not deliver {publisher.backlog} status message(s) to the broker within "
        f"{timeout:g}s ({publisher.last_error}).",
        file=sys.stderr,
    )
    if outcome is not None and job is not None:
        _leave_outcome(job, outcome)
    return False


def _flush_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get(FLUSH_TIMEOUT_ENV) or 60))
    except ValueError:
        return 60.0


def _leave_outcome(job: Job, outcome: StatusMessage) -> None:
    """Write the undelivered outcome where the platform looks for it (whole or not at all)."""
    try:
        folder = job.model_write_path
    except (AttributeError, TypeError):  # a config that failed to parse may name none
        print("vlad: no model_write_path to leave the outcome in.", file=sys.stderr)
        return
    target = folder / OUTCOME_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{OUTCOME_FILE}.partial"
        partial.write_bytes(outcome.to_body())
        os.replace(partial, target)
    except OSError as exc:
        print(f"vlad: could not leave the outcome in {target} either: {exc}", file=sys.stderr)
        return
    print(f"vlad: left {outcome.status.value} in {target} for the platform.", file=sys.stderr)


def _job_from_raw(raw: dict[str, Any], publisher: StatusPublisher) -> Job | None:
    """A Job good enough to report an error for a config that failed to parse."""
    try:
        config = TrainingConfig.model_construct(
            **{
                **raw,
                "operation": Operation(
                    "training" if raw.get("operation") in ("train", "training") else "validation"
                ),
            }
        )
        if not raw.get("project_key") or not (raw.get("model_id") or raw.get("validation_id")):
            return None
        return Job(config, {}, publisher)
    except (ValueError, TypeError):
        return None


def _unreachable() -> StatusPublisher:
    raise KernelError(
        "vlad_training.json has no usable broker settings "
        "(message_host, message_port, message_id, message_pw, queue_name)."
    )


def load_job(
    path: str | Path | None = None,
    manifest: str | Path | None = None,
    publisher: StatusPublisher | None = None,
) -> Job:
    """Load and check a job without running it (for kernels that drive reporting themselves)."""
    raw, config = _read_config(Path(path) if path else config_path())
    publisher = publisher or _publisher_for(raw) or _unreachable()
    return Job(config, _check_job(config, _find_manifest(manifest)), publisher.start())
