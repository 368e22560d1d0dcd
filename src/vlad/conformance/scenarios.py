"""Running one scenario of a check: a `vlad kernel run` job with one thing changed.

Every scenario is a `KernelRun` of its own (its folder under the check's work folder, its
private queue on the one broker of the check), watched by a deadline: a kernel that does
not end in time is killed, and that is what the report says.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vlad.conformance.runner import KernelRun, Outcome
from vlad.contract import TrainingConfig, ValidationType


@dataclass
class Seen:
    """One message as it came off the queue; `data` is None when it is not a JSON object."""

    index: int  # 1-based position on the queue
    body: bytes
    data: dict[str, Any] | None
    problem: str = ""  # why it is not a well-formed status message ("" when it is)

    @property
    def status(self) -> str:
        value = self.data.get("status") if self.data else None
        return value if isinstance(value, str) else ""

    def where(self) -> str:
        text = self.body[:160].decode("utf-8", errors="replace")
        return f"message #{self.index} {text}"


@dataclass
class StopRecord:
    signalled_after: float | None = None  # seconds from start to SIGTERM; None: never sent
    ended_after_signal: float | None = None
    killed: bool = False
    trigger: str = ""
    last_running: float = 0.0  # seconds from start when the process was last seen running


@dataclass
class Run:
    scenario: str
    config: TrainingConfig
    outcome: Outcome
    messages: list[Seen]
    seconds: float
    timed_out: bool = False
    stop: StopRecord | None = None

    @property
    def validation(self) -> bool:
        return self.config.validation_id is not None

    @property
    def write_path(self) -> Path:
        return Path(self.config.model_write_path)

    def statuses(self) -> list[str]:
        return [m.status for m in self.messages]

    def exit_text(self) -> str:
        code = self.outcome.exit_code
        how = f"exit code {code}" if code >= 0 else f"killed by signal {-code}"
        if self.timed_out:
            how = f"still running after {self.seconds:.0f} s, killed"
        return f"{how} (log: {self.outcome.log_path})"


@dataclass
class Session:
    """What every scenario of one check shares."""

    kernel_dir: Path
    dataset: Path
    broker_url: str
    work_dir: Path
    hyperparameters: dict[str, Any]
    etc: Path | None = None
    timeout: float = 600.0  # seconds one run may take
    stop_grace: float = 10.0
    stop_after: float = 60.0  # SIGTERM this long after the start when no message came first
    drain_seconds: float = 0.5
    runs: list[Run] = field(default_factory=list)

    def run(
        self,
        scenario: str,
        *,
        base_model: Path | None = None,
        validation_type: ValidationType | None = None,
        hyperparameters: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        stop: bool = False,
    ) -> Run:
        """Run the kernel once; `config` changes fields of vlad_training.json (added ones too)."""
        # A folder left by an earlier check would pass the file rules for this run.
        shutil.rmtree(self.work_dir / scenario, ignore_errors=True)
        runner = KernelRun.prepare(
            self.kernel_dir,
            self.dataset,
            base_model=base_model,
            validation_type=validation_type,
            etc=self.etc,
            out=self.work_dir / scenario,
        )
        runner.hyperparameters = dict(self.hyperparameters if hyperparameters is None else hyperparameters)
        runner.drain_seconds = self.drain_seconds
        if config:
            # Through validation, so that added fields (resume_path) are kept as extras.
            runner.config = TrainingConfig.model_validate({**runner.config.model_dump(), **config})
        watch = _Watch(self, stop)
        outcome = runner.execute(self.broker_url, on_message=watch.on_message, on_tick=watch.on_tick)
        seconds = time.monotonic() - watch.started
        if watch.stop is not None and watch.stop.signalled_after is not None:
            # The process ended between the last tick that saw it running and the next one.
            watch.stop.ended_after_signal = watch.stop.last_running + 0.05 - watch.stop.signalled_after
        run = Run(
            scenario,
            runner.config,
            outcome,
            [parse(i, body) for i, body in enumerate(outcome.bodies, start=1)],
            seconds,
            watch.timed_out,
            watch.stop,
        )
        self.runs.append(run)
        return run


class _Watch:
    """Sends SIGTERM for the stop scenario and kills a run past its deadline."""

    def __init__(self, session: Session, stop: bool) -> None:
        self.session = session
        self.started = time.monotonic()
        self.first_message: float | None = None
        self.timed_out = False
        self.stop = StopRecord() if stop else None

    def on_message(self, _message: dict[str, Any]) -> None:
        if self.first_message is None:
            self.first_message = time.monotonic()

    def on_tick(self, process: Any) -> None:
        now = time.monotonic()
        elapsed = now - self.started
        record = self.stop
        if record is not None:
            if process.poll() is not None:
                return
            record.last_running = elapsed
            if record.signalled_after is None:
                if self.first_message is not None or elapsed >= self.session.stop_after:
                    record.trigger = (
                        "after its first status message"
                        if self.first_message is not None
                        else f"after {self.session.stop_after:g} s with no status message"
                    )
                    record.signalled_after = elapsed
                    process.send_signal(signal.SIGTERM)
            elif elapsed - record.signalled_after > self.session.stop_grace and not record.killed:
                record.killed = True
                process.kill()
            return
        if elapsed > self.session.timeout and process.poll() is None:
            self.timed_out = True
            process.kill()


def parse(index: int, body: bytes) -> Seen:
    """A message, read defensively: a kernel may send anything."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return Seen(index, body, None, f"is not JSON ({exc})")
    if not isinstance(data, dict):
        return Seen(index, body, None, f"is JSON but not an object (a {type(data).__name__})")
    return Seen(index, body, data)
