"""`--follow`: live progress of one or more jobs until they end, then their outcome."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from vlad.cli import output
from vlad.cli.client import ApiClient


class _Elapsed(ProgressColumn):
    """Time since the job started training (not since we began watching)."""

    def render(self, task: Task) -> Text:
        started, finished = task.fields.get("started_at"), task.fields.get("finished_at")
        if not started:
            return Text("-:--", style="dim")
        until = output.moment(finished) if finished else datetime.now(UTC)
        seconds = (until - output.moment(started)).total_seconds()
        return Text(output.duration(max(seconds, 0)), style="blue")


class _Quiet:
    """No progress shown (`--json`: stdout is for the final JSON alone)."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def update(self, state: dict[str, Any]) -> None:
        return None


class _Bars(_Quiet):
    """One bar per job, for a terminal."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("step {task.fields[step]}"),
            TextColumn("{task.fields[status]}"),
            _Elapsed(),
            console=output.console,
        )
        self.tasks: dict[str, TaskID] = {
            job_id: self.progress.add_task(
                escape(label), total=100, step="-", status="waiting", started_at=None, finished_at=None
            )
            for job_id, label in labels.items()
        }

    def __enter__(self) -> _Bars:
        self.progress.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.progress.stop()

    def update(self, state: dict[str, Any]) -> None:
        done = state["status"] == "done"
        self.progress.update(
            self.tasks[state["id"]],
            completed=100 if done else state.get("percentage") or 0,
            step=state.get("step") if state.get("step") is not None else "-",
            status=output.status(state["status"]).markup,
            started_at=state.get("started_at"),
            finished_at=state.get("finished_at"),
        )


class _Lines(_Quiet):
    """One line per status change, for logs and pipes."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.last: dict[str, str] = {}

    def update(self, state: dict[str, Any]) -> None:
        if self.last.get(state["id"]) == state["status"]:
            return
        self.last[state["id"]] = state["status"]
        line = Text(f"{self.labels[state['id']]}: ") + output.status(state["status"])
        if state.get("step") is not None:
            line.append(f" (step {state['step']}")
            if state.get("percentage") is not None:
                line.append(f", {state['percentage']:.0f}%")
            line.append(")")
        output.console.print(line)


def follow(
    api: ApiClient,
    labels: dict[str, str],
    *,
    as_json: bool,
    final: Callable[[], Any],
    summarize: Callable[[dict[str, dict[str, Any]]], None] | None = None,
) -> None:
    """Watch the jobs of `labels` (job id -> what to call it) to their end, then exit.

    Exits 0 when every job is done, 1 otherwise. With `as_json` only `final()` (the
    resource's JSON) is printed; else `summarize(states)` (default: the final metrics),
    and why a job did not finish.
    """
    states: dict[str, dict[str, Any]] = {}
    display = _Quiet() if as_json else _Bars(labels) if sys.stdout.isatty() else _Lines(labels)
    fallback = "live events are unavailable; polling the platform every second"
    try:
        with display:
            for state in api.watch(list(labels), on_fallback=lambda: output.note(fallback)):
                states[state["id"]] = state
                display.update(state)
    except KeyboardInterrupt:
        output.note("stopped following; the jobs go on without you watching")
        raise typer.Exit(130) from None
    ok = all(s["status"] == "done" for s in states.values())
    if as_json:
        output.print_json(final())
    else:
        if summarize is not None:
            summarize(states)
        else:
            report(api, labels, states)
        failures(labels, states)
    raise typer.Exit(0 if ok else 1)


def report(api: ApiClient, labels: dict[str, str], states: dict[str, dict[str, Any]]) -> None:
    for job_id, label in labels.items():
        if states[job_id]["status"] == "done":
            metrics = api.get(f"/jobs/{job_id}/metrics")
            if metrics:
                output.show(output.metrics_table(metrics, title=f"{label}: final metrics"))
            else:
                output.console.print(Text(f"{label}: done"))


def failures(labels: dict[str, str], states: dict[str, dict[str, Any]]) -> None:
    for job_id, label in labels.items():
        state = states[job_id]
        if state["status"] != "done":
            reason = state.get("message") or "no reason given"
            output.err.print(Text(f"{label}: {state['status']}: ", style="red") + Text(reason))
