"""Unpack the model definition, run its command with its output in the job's log, report the outcome."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from vlad.dlaas.archive import ArchiveError, unpack
from vlad.dlaas.command import PYTHONS, CommandError, expand, split_command
from vlad.kernel import Job, KernelError, StopRequested
from vlad.kernel.runtime import REPORTING_MARKER_ENV, OutcomeReported

DEFAULT_MAX_UNPACKED = 1024**3
TAIL_BYTES = 64 * 1024
TAIL_LINES = 20
MARKER = "program-reports-itself"


def train(job: Job) -> None:
    hp = job.hyperparameters
    code = _unpack(job, hp.get("archive", "model.zip"), hp.get("max_unpacked_bytes", DEFAULT_MAX_UNPACKED))
    values = {
        "DATA_DIR": str(job.dataset_path),
        "RESULT_DIR": str(job.model_write_path),
        "MODEL_DIR": str(code),
    }
    try:
        argv = expand(split_command(hp["command"]), values)
    except CommandError as exc:
        raise KernelError(str(exc)) from exc
    if argv[0] in PYTHONS:
        argv[0] = sys.executable  # this kernel's Python, with the platform's packages
    marker = job.temp_path / MARKER
    marker.unlink(missing_ok=True)
    env = {**os.environ, **values, REPORTING_MARKER_ENV: str(marker)}
    print(f"vlad command kernel: running {shlex.join(argv)}\n  in {code}", flush=True)
    job.progress(step=0, percentage=0.0)  # started
    exit_code, tail = run_program(argv, code, env)
    if marker.exists():  # it used the kernel SDK, which has reported its outcome
        raise OutcomeReported(exit_code if exit_code >= 0 else 128 - exit_code)
    if exit_code != 0:
        raise KernelError(failure_message(hp["command"], exit_code, tail))


def _unpack(job: Job, name: str, max_bytes: int) -> Path:
    if job.etc_path is None:
        raise KernelError(
            "No model definition: etc_path is empty. The platform hands the .zip to this kernel "
            "as the job's extra file."
        )
    archive = job.etc_path / name
    if not archive.is_file():
        raise KernelError(f"The model definition {name} is not in etc_path ({job.etc_path}).")
    try:
        return unpack(archive, job.temp_path / "code", max_bytes)
    except ArchiveError as exc:
        raise KernelError(str(exc)) from exc


def run_program(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run the program with its output copied to ours (the job's log); returns its exit code
    (negative: killed by that signal) and the last lines of its output. A stop (SIGTERM,
    raised here as StopRequested by the SDK) is passed on to it; raised again once it has ended."""
    try:
        child = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
    except OSError as exc:
        raise KernelError(
            f"The program {argv[0]!r} could not be started: {exc.strerror}. "
            "Name a file of the model definition (e.g. python3 train.py) or a program installed here."
        ) from exc
    assert child.stdout is not None
    sink, tail = sys.stdout.buffer, bytearray()
    stop: StopRequested | None = None
    while True:
        try:
            chunk = child.stdout.read1(65536)
            if not chunk:
                break
            sink.write(chunk)
            sink.flush()
            tail += chunk
            del tail[:-TAIL_BYTES]
        except StopRequested as exc:
            stop = exc
            with suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
    code = child.wait()
    if stop is not None:
        raise stop
    return code, last_lines(bytes(tail))


def last_lines(output: bytes, count: int = TAIL_LINES) -> str:
    # Progress bars redraw with \r: each drawing counts as a line, the last one kept.
    text = output.decode("utf-8", errors="replace").replace("\r", "\n")
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-count:])[-4000:]


def failure_message(command: str, exit_code: int, tail: str) -> str:
    if exit_code >= 0:
        how = f"exited with code {exit_code}"
    else:
        name = signal.Signals(-exit_code).name if -exit_code in signal.valid_signals() else "?"
        how = f"was killed by signal {-exit_code} ({name})"
    text = f"The program `{command}` {how}."
    return text + (f" Last lines of its output:\n{tail}" if tail else " It printed nothing.")
