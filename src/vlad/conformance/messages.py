"""The rules of SPEC section 4 over the status messages of the runs, and each run's outcome."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from vlad.conformance.report import Check, verdict
from vlad.conformance.scenarios import Run, Seen
from vlad.contract import STATUS_FOR_CMD, Command, Status
from vlad.contract.status import STEP_MAX

Problems = Callable[[Run], Iterable[str]]


def well_formed(seen: Seen) -> bool:
    return _format_problem(seen) == ""


def canonical(seen: Seen) -> Status | None:
    return Status(seen.status).canonical if well_formed(seen) else None


def _format_problem(seen: Seen) -> str:
    if seen.data is None:
        return seen.problem
    cmd, status = seen.data.get("cmd"), seen.data.get("status")
    if cmd not in {c.value for c in Command}:
        return f"has cmd {cmd!r}, not 'training_status' or 'validation_status'"
    if status not in {s.value for s in STATUS_FOR_CMD[Command(cmd)]}:
        return f"has status {status!r}, not one a {cmd} message may carry"
    return ""


def _each(runs: list[Run], problems: Problems) -> list[str]:
    return [f"{run.scenario}: {p}" for run in runs for p in problems(run)]


def _ran_in(runs: list[Run]) -> str:
    return "seen in " + ", ".join(run.scenario for run in runs) if runs else "no run to look at"


def message_checks(runs: list[Run]) -> list[Check]:
    """The message rules, each over every message of every run given."""
    seen_in = _ran_in(runs)
    return [
        verdict("messages.json", _each(runs, _json), seen_in),
        verdict("messages.ids", _each(runs, _ids), seen_in),
        verdict("messages.percentage_range", _each(runs, _percentage_range), seen_in),
        verdict("messages.percentage_order", _each(runs, _percentage_order), seen_in),
        verdict("messages.step_order", _each(runs, _step_order), seen_in),
    ]


def outcome_checks(runs: list[Run]) -> list[Check]:
    """The outcome rules, over the runs that should succeed."""
    seen_in = _ran_in(runs)
    return [
        verdict("outcome.progress", _each(runs, _progress), seen_in),
        verdict("outcome.done", _each(runs, _done), seen_in),
        verdict("outcome.exit_code", _each(runs, _exit_code), seen_in),
    ]


def _json(run: Run) -> Iterable[str]:
    for seen in run.messages:
        problem = _format_problem(seen)
        if problem:
            yield f"{seen.where()} {problem}"


def _ids(run: Run) -> Iterable[str]:
    config = run.config
    cmd, id_field = (
        ("validation_status", "validation_id") if run.validation else ("training_status", "model_id")
    )
    job_id = config.validation_id if run.validation else config.model_id
    for seen in filter(well_formed, run.messages):
        data = seen.data or {}
        if data.get("cmd") != cmd:
            yield f"{seen.where()} has cmd {data.get('cmd')!r}; this {run_kind(run)} job needs {cmd!r}"
        if "project_key" not in data:
            yield f"{seen.where()} has no project_key"
        elif data["project_key"] != config.project_key:
            yield f"{seen.where()} has project_key {data['project_key']!r}, not the job's"
        if data.get(id_field) != job_id:
            yield f"{seen.where()} has {id_field} {data.get(id_field)!r}; the job's is {job_id!r}"


def run_kind(run: Run) -> str:
    return "validation" if run.validation else "training"


def _ing(run: Run) -> list[Seen]:
    return [seen for seen in run.messages if canonical(seen) is Status.ING]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _percentage_range(run: Run) -> Iterable[str]:
    for seen in filter(well_formed, run.messages):
        data = seen.data or {}
        if "percentage" not in data:
            if canonical(seen) is Status.ING:
                yield f"{seen.where()} has no percentage"
            continue
        value = _number(data["percentage"])
        if value is None or not math.isfinite(value):
            yield f"{seen.where()} has percentage {data['percentage']!r}, not a finite number"
        elif not 0 <= value <= 100:
            yield f"{seen.where()} has percentage {data['percentage']!r}, outside 0..100"


def _percentage_order(run: Run) -> Iterable[str]:
    last: tuple[float, Seen] | None = None
    for seen in _ing(run):
        value = _number((seen.data or {}).get("percentage"))
        if value is None or not math.isfinite(value):
            continue
        if last is not None and value < last[0]:
            before = f"{last[0]:g} (message #{last[1].index})"
            yield f"percentage went down from {before} to {value:g} in {seen.where()}"
            return
        last = (value, seen)


def _step_order(run: Run) -> Iterable[str]:
    last: tuple[int, Seen] | None = None
    for seen in _ing(run):
        raw = (seen.data or {}).get("step")
        value = _number(raw)
        if raw is None:
            yield f"{seen.where()} has no step"
            continue
        if value is None or not math.isfinite(value) or value != int(value) or not 0 <= value <= STEP_MAX:
            yield f"{seen.where()} has step {raw!r}, not an integer from 0 to 2^63-1"
            continue
        if last is not None and value < last[0]:
            before = f"{last[0]} (message #{last[1].index})"
            yield f"step went down from {before} to {int(value)} in {seen.where()}"
            return
        last = (int(value), seen)


def _terminal_index(run: Run) -> int | None:
    for position, seen in enumerate(run.messages):
        if canonical(seen) in (Status.DONE, Status.ERROR):
            return position
    return None


def _progress(run: Run) -> Iterable[str]:
    end = _terminal_index(run)
    before = run.messages if end is None else run.messages[:end]
    # A message of the wrong form counts as progress here: messages.json reports its form.
    if not any(canonical(seen) in (Status.ING, None) for seen in before):
        yield f"no training_ing before {'the outcome' if end is not None else 'the end'} ({_tally(run)})"


def _done(run: Run) -> Iterable[str]:
    done = [s for s in run.messages if canonical(s) is Status.DONE]
    errors = [s for s in run.messages if canonical(s) is Status.ERROR]
    for seen in errors:
        text = (seen.data or {}).get("message")
        yield f"the kernel failed: {seen.where()} (message: {text!r}; {run.exit_text()})"
    if not done and not errors:
        yield f"no training_done ({_tally(run)}; {run.exit_text()})"
    if len(done) > 1:
        yield f"{len(done)} training_done messages: " + ", ".join(f"#{s.index}" for s in done)
    if done and run.messages[-1] is not done[0] and not errors:
        after = run.messages[run.messages.index(done[0]) + 1 :]
        yield f"{len(after)} message(s) after training_done (#{done[0].index}), first {after[0].where()}"


def _exit_code(run: Run) -> Iterable[str]:
    if run.timed_out or run.outcome.exit_code != 0:
        yield run.exit_text()


def _tally(run: Run) -> str:
    if not run.messages:
        return "no status message at all"
    counts: dict[str, int] = {}
    for seen in run.messages:
        key = seen.status or "not a status message"
        counts[key] = counts.get(key, 0) + 1
    return "messages: " + ", ".join(f"{k} x{v}" for k, v in counts.items())
