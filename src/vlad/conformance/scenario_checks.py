"""The checks that belong to one scenario: unsupported version, stop, schema refusal,
validation and inference support, resume."""

from __future__ import annotations

from typing import Any

from vlad.conformance.messages import canonical
from vlad.conformance.report import Check, verdict
from vlad.conformance.scenarios import Run
from vlad.contract import Status, check_hyperparameters

UNSUPPORTED_VERSION = "999.0"


def outcome_of(run: Run) -> Status | None:
    """DONE when the run sent training_done and no error, ERROR when it sent an error, else None."""
    statuses = [canonical(seen) for seen in run.messages]
    if Status.ERROR in statuses:
        return Status.ERROR
    return Status.DONE if Status.DONE in statuses else None


def error_text(run: Run) -> str:
    for seen in run.messages:
        if canonical(seen) is Status.ERROR:
            return repr((seen.data or {}).get("message"))
    return "no training_error"


def unsupported_version_check(run: Run) -> Check:
    errors = [s for s in run.messages if canonical(s) is Status.ERROR]
    done = [s for s in run.messages if canonical(s) is Status.DONE]
    problems = []
    version = f"with vlad_training_config_version {UNSUPPORTED_VERSION!r}"
    if not errors:
        problems.append(f"{version} the kernel sent no training_error")
    elif len(errors) > 1:
        problems.append(f"{version} the kernel sent {len(errors)} training_error messages")
    for seen in errors:
        text = (seen.data or {}).get("message")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{seen.where()} has no message for the user")
    if done:
        problems.append(f"{version} the kernel sent training_done: {done[0].where()}")
    if run.outcome.exit_code == 0 and not run.timed_out:
        problems.append(f"{version} the kernel exited with code 0 (log: {run.outcome.log_path})")
    if run.timed_out:
        problems.append(f"{version} {run.exit_text()}")
    return verdict("unsupported_version", problems, f"refused: {error_text(run)}, {run.exit_text()}")


def stop_check(run: Run, grace: float) -> Check:
    record = run.stop
    assert record is not None
    if record.signalled_after is None:
        return Check(
            "stop",
            False,
            f"not tested: the kernel ended ({run.exit_text()}) before SIGTERM could be sent; "
            "give it a longer run with --set to test stopping",
            advice=True,
        )
    sent = f"SIGTERM {record.trigger} ({record.signalled_after:.1f} s after the start)"
    if record.killed:
        return verdict(
            "stop", [f"{sent}; still running {grace:g} s later, killed with SIGKILL ({run.exit_text()})"], ""
        )
    ended = record.ended_after_signal or 0.0
    return Check("stop", True, f"{sent}; ended {ended:.1f} s later, {run.exit_text()}")


def breaking_hyperparameters(
    values: dict[str, Any], schema: dict[str, Any]
) -> tuple[dict[str, Any], str] | None:
    """A model.json the schema refuses, made from `values` with one change, and that change;
    None when no simple change breaks the schema."""
    properties = schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else {}
    candidates: list[tuple[dict[str, Any], str]] = []
    for name in schema.get("required", []):
        if name != "training_type" and name in values:
            candidates.append(({k: v for k, v in values.items() if k != name}, f"required {name!r} left out"))
    if schema.get("additionalProperties") is False:
        candidates.append(({**values, "vlad_check_unknown": 1}, "an unknown field 'vlad_check_unknown'"))
    for name, prop in properties.items():
        if name == "training_type" or not isinstance(prop, dict):
            continue
        wrong: Any = 12345 if prop.get("type") == "string" else "vlad-check-wrong-type"
        candidates.append(({**values, name: wrong}, f"{name} = {wrong!r}"))
    for candidate, change in candidates:
        if check_hyperparameters(candidate, schema):
            return candidate, change
    return None


def schema_refusal_check(run: Run | None, change: str) -> Check:
    if run is None:
        return Check(
            "schema_refusal", True, "no simple change of the defaults breaks the schema", advice=True
        )
    if outcome_of(run) is Status.ERROR:
        return Check("schema_refusal", True, f"with {change}: refused, {error_text(run)}", advice=True)
    seen = "trained anyway" if outcome_of(run) is Status.DONE else "ended without training_error"
    return Check(
        "schema_refusal",
        False,
        f"with {change} (which the schema refuses) the kernel {seen} ({run.exit_text()}). The platform "
        "never sends such a model.json; a kernel that checks its model.json against its schema "
        "(the SDK does) fails early with a clear message when run by hand",
        advice=True,
    )


def support_check(name: str, run: Run, declared: bool) -> tuple[Check, bool]:
    """The check of a validation or inference run, and whether its other rules apply
    (it ran as a supported operation)."""
    outcome = outcome_of(run)
    if outcome is Status.DONE:
        return Check(name, True, f"supported: ended with training_done, {run.exit_text()}"), True
    answer = f"answered {error_text(run)}" if outcome is Status.ERROR else "sent no outcome"
    if declared:
        return verdict(
            name, [f"declared in validation_types, but the kernel {answer} ({run.exit_text()})"], ""
        ), False
    return (
        Check(
            name,
            False,
            f"not supported: the kernel {answer} ({run.exit_text()}). List the validation types a "
            'kernel supports in kernel.json as "validation_types" to have them checked',
            advice=True,
        ),
        False,
    )


def _first_step(run: Run) -> int | None:
    for seen in run.messages:
        step = (seen.data or {}).get("step")
        if canonical(seen) is Status.ING and isinstance(step, int | float) and not isinstance(step, bool):
            return int(step)
    return None


def resume_check(training: Run, stopped: Run, resumed: Run) -> Check:
    if not any(p.is_file() for p in stopped.write_path.rglob("*")):
        return Check(
            "resume",
            False,
            f"not tested: the stopped run left nothing in {stopped.write_path} to resume from",
            advice=True,
        )
    fresh, first = _first_step(training), _first_step(resumed)
    if first is None or fresh is None or first > fresh:
        where = f"first step {first}" if first is not None else "no training_ing"
        return Check(
            "resume", True, f"resumed from {stopped.write_path}: {where} (a fresh run starts at {fresh})"
        )
    return verdict(
        "resume",
        [
            f"with resume_path {stopped.write_path} the kernel started over at step {first}, as a fresh "
            f'run does ({fresh}); kernel.json declares "resume": true'
        ],
        "",
    )
