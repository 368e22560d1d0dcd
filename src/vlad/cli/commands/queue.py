"""`vlad queue ...`: the scheduler's queue: each executor's load, what runs, what waits and why."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from vlad.cli import output
from vlad.cli.client import CliError, connect
from vlad.cli.group import new_app
from vlad.cli.options import JsonOpt

app = new_app("The scheduler's queue: executors' load, jobs in the order they start, why each waits.")

STATE_STYLES = {"preparing": "dim", "waiting": "yellow", "starting": "cyan", "running": "green"}


@app.callback(invoke_without_command=True, no_args_is_help=False)
def queue(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Each executor's load, then every active job in the scheduler's order (`vlad queue show`)."""
    if ctx.invoked_subcommand is None:
        show(as_json)


@app.command("show")
def show(as_json: JsonOpt = False) -> None:
    """Each executor's load (used / capacity), then the jobs: those running, then those waiting in
    the order they will start."""
    found = connect().get("/queue")
    if as_json:
        output.print_json(found)
        return
    output.show(_executors(found["executors"]))
    if found["jobs"]:
        output.show(_jobs(found["jobs"]))
    else:
        output.console.print("No job is waiting or running.")
    output.show(_projects(found["projects"]))


@app.command("priority", context_settings={"ignore_unknown_options": True})
def priority(
    job_id: Annotated[str, typer.Argument(help="A waiting job's id (a model's or a validation's).")],
    value: Annotated[
        int,
        typer.Argument(
            metavar="N",
            help="-100..100, higher first (default 0); above 0 needs an admin token.",
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Change a waiting job's priority; a member may only lower it (0 or below)."""
    job = connect().request("PATCH", f"/jobs/{job_id}", json={"priority": value}).json()
    if as_json:
        output.print_json(job)
    else:
        output.console.print(f"Job {job_id} now has priority {job['priority']}.")


def _share(used: float | int | None, capacity: float | int | None) -> str:
    if capacity is None:
        return f"{output.number(used or 0)} / -"
    return f"{output.number(used or 0)} / {output.number(capacity)}"


def _executors(executors: list[dict[str, Any]]) -> Any:
    rows = []
    for e in executors:
        capacity, used = e["capacity"] or {}, e["used"]
        where: Any = e["where"]
        if e["unavailable"]:
            where = Text(f"unavailable: {e['unavailable']}", style="red")
        rows.append(
            (
                e["name"],
                where,
                *(_share(used[k], capacity.get(k)) for k in ("cpus", "memory_gb", "gpus", "jobs")),
                e["waiting"],
            )
        )
    columns = ["executor", "where", "CPUs", "memory (GB)", "GPUs", "jobs", "waiting"]
    return output.table(columns, rows, title="executors (used / capacity)", no_wrap=("executor",))


def resources(job: dict[str, Any]) -> str:
    """`2 CPUs, 8 GB, 1 GPU`: what a job asks of its executor."""
    cpus = job["cpus"]
    parts = [f"{output.number(cpus)} CPU{'' if cpus == 1 else 's'}"]
    if job.get("memory_gb") is not None:
        parts.append(f"{output.number(job['memory_gb'])} GB")
    if job["gpu_count"]:
        parts.append(f"{job['gpu_count']} GPU{'' if job['gpu_count'] == 1 else 's'}")
    return ", ".join(parts)


# What runs, then the queue: the API lists the waiting ones first, in the scheduler's order.
STATE_ORDER = {"running": 0, "starting": 0, "waiting": 1, "preparing": 2}


def _jobs(jobs: list[dict[str, Any]]) -> Any:
    rows = [
        (
            j["queue_position"],
            j["name"],
            j["id"],
            j["project"],
            Text(j["state"], style=STATE_STYLES.get(j["state"], "")),
            j["priority"],
            resources(j),
            j["executor"],
            j["wait_reason"],
        )
        for j in sorted(jobs, key=lambda j: STATE_ORDER.get(j["state"], 1))
    ]
    waiting = sum(1 for j in jobs if j["state"] in ("preparing", "waiting"))
    columns = ["#", "job", "id", "project", "state", "priority", "resources", "executor", "why it waits"]
    return output.table(columns, rows, title=f"jobs ({len(jobs)}, {waiting} waiting)", no_wrap=("id", "#"))


def waiting_status(item: dict[str, Any]) -> Text:
    """A model's or validation's status; while it waits, its place in the queue and why."""
    status = output.job_status(item)
    job = item.get("job") or {}
    if job.get("status") == "waiting":
        place = f"queue position {job['queue_position']}" if job.get("queue_position") else ""
        why = ": ".join(filter(None, [place, job.get("wait_reason")]))
        if why:
            status.append(f" ({why})", style="dim")
    return status


def count_or_none(text: str, option: str) -> int | None:
    """`none` as None (no quota, no cap), else a whole number; a CliError naming `option` otherwise."""
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise CliError(f"{option} {text!r} is neither a whole number nor none") from None


def quota(value: int | None, unit: str) -> str:
    if value is None:
        return "none"
    return f"{value} {unit}{'' if value == 1 else 's'}"


def _projects(projects: list[dict[str, Any]]) -> Any:
    rows = [
        (
            p["name"],
            p["share"],
            quota(p["quota_gpus"], "GPU"),
            quota(p["quota_running"], "running job"),
        )
        for p in projects
    ]
    return output.table(["project", "share", "GPU quota", "running quota"], rows, title="projects' rules")
