"""`vlad models ...`: trained (and imported) models, their jobs, settings and graphs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.text import Text

from vlad.cli import output
from vlad.cli.client import TERMINAL, ApiClient, connect
from vlad.cli.commands import training
from vlad.cli.commands.queue import resources, waiting_status
from vlad.cli.group import new_app
from vlad.cli.options import JsonOpt, ModelId, YesOpt

app = new_app("Models: train, follow, inspect, validate and manage them.")
training.register(app)

SETTINGS_FILES = ("vlad_training.json", "model.json")


def model_rows(models: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            m["name"],
            m["id"],
            output.job_status(m),
            m["kernel"],
            m["training_type"],
            output.dataset_names(m),
            output.when(m["created_at"]),
            m["active"],
        )
        for m in models
    ]


MODEL_COLUMNS = ["name", "id", "status", "kernel", "training type", "datasets", "created", "active"]


@app.command("list")
def list_models(
    status: Annotated[
        str | None, typer.Option(help="waiting, training, done, failed, stopped or pruned.")
    ] = None,
    search: Annotated[str | None, typer.Option(help="Part of the name or id.")] = None,
    experiment: Annotated[str | None, typer.Option(help="Only the runs of this experiment.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List models, newest first."""
    page = connect().get(
        "/models", status=status, q=search, experiment_id=experiment, limit=limit, offset=offset
    )
    if as_json:
        output.print_json(page)
        return
    items = page["items"]
    shown = f"{offset + 1}-{offset + len(items)} of {page['total']}" if items else f"0 of {page['total']}"
    output.show(output.table(MODEL_COLUMNS, model_rows(items), title=f"models ({shown})"))


def _basics(model: dict[str, Any]) -> list[tuple[str, Any]]:
    job = model["job"] or {}
    rows = [
        ("id", model["id"]),
        ("name", model["name"]),
        ("description", model["description"]),
        (
            "origin",
            model["origin"] + (f" from {model['base_model_id']}" if model["base_model_id"] else ""),
        ),
        ("created", output.when(model["created_at"])),
        ("status", waiting_status(model)),
    ]
    if job:
        rows += [
            ("step", job["step"]),
            ("elapsed", output.duration(job["elapsed_seconds"])),
            ("resources", resources(job)),
            ("priority", job["priority"]),
            ("executor", job["executor"]),
            ("attempt", attempt_text(job)),
        ]
    rows += [
        ("kernel", f"{model['kernel']} ({model['kernel_id']})" if model["kernel"] else None),
        ("model type", model["model_type"]),
        ("training type", model["training_type"]),
        ("datasets", output.dataset_names(model)),
        ("inference", "active" if model["active"] else "inactive"),
        ("experiment", model["experiment_id"]),
    ]
    return rows


@app.command("show")
def show(model_id: ModelId, as_json: JsonOpt = False) -> None:
    """A model: its job's status, kernel, datasets, hyperparameters, final metrics and graphs."""
    api = connect()
    model = api.get(f"/models/{model_id}")
    if as_json:
        output.print_json(model)
        return
    parts: list[Any] = [output.fields(_basics(model))]
    job = model["job"]
    if job and job["status"] in ("failed", "stopped") and job["message"]:
        parts.append(Text(f"\n{job['status']}: {job['message']}", style="red"))
    if job and job.get("attempts"):
        parts.append(Text(""))
        parts.append(attempts_table(job["attempts"]))
    output.show(
        output.panel(Group(*parts), f"model {model['name']}"),
        output.table(
            ["hyperparameter", "value"],
            [(k, json.dumps(v)) for k, v in model["hyperparameters"].items()],
            no_wrap=("hyperparameter",),
        ),
    )
    if job:  # an imported model has no job, hence no metrics or graphs
        metrics = api.get(f"/jobs/{model_id}/metrics")
        if metrics:
            output.show(output.metrics_table(metrics))
        graphs = api.get(f"/jobs/{model_id}/graphs")
        output.console.print(
            "graphs: "
            + (", ".join(graphs) if graphs else "none yet")
            + (f"  (`vlad models graph {model_id} NAME`)" if graphs else "")
        )


@app.command("stop")
def stop(model_id: ModelId) -> None:
    """Stop a waiting or training job."""
    job = connect().post(f"/jobs/{model_id}/stop")
    output.console.print(Text(f"{model_id}: ") + output.status(job["status"]))


@app.command("resume")
def resume(model_id: ModelId) -> None:
    """Resume a stopped or failed training job from its newest checkpoint, as its next attempt."""
    job = connect().post(f"/jobs/{model_id}/resume")
    output.console.print(Text(f"{model_id}: attempt {job['attempt']} ") + output.status(job["status"]))


def attempt_text(job: dict[str, Any]) -> str:
    restarts = sum(1 for a in job.get("attempts") or [] if a["then"] == "restarted")
    return f"{job.get('attempt', 1)} ({restarts} of {job.get('max_restarts', 2)} automatic restarts used)"


def attempts_table(attempts: list[dict[str, Any]]) -> Any:
    """The attempts that ended before this one: when, how, and what followed."""
    return output.table(
        ["attempt", "ended", "exit code", "reason", "then"],
        [
            (a["attempt"], output.when(a["ended_at"]), a["exit_code"], a["reason"], a["then"])
            for a in attempts
        ],
        title="earlier attempts",
    )


@app.command("delete")
def delete(model_id: ModelId, yes: YesOpt = False) -> None:
    """Delete a model and its job's files (a running job is stopped first)."""
    api = connect()
    model = api.get(f"/models/{model_id}")
    if not yes:
        typer.confirm(f"Delete model {model['name']} ({model_id}, {model['status']})?", abort=True)
    api.delete(f"/models/{model_id}")
    output.console.print(f"Deleted model {model_id}.")


def _set_active(model_id: str, verb: str, as_json: bool) -> None:
    model = connect().post(f"/models/{model_id}/{verb}")
    if as_json:
        output.print_json(model)
    else:
        state = "may now be used" if model["active"] else "may no longer be used"
        output.console.print(f"Model {model['name']} ({model_id}) {state} for inference.")


@app.command("activate")
def activate(model_id: ModelId, as_json: JsonOpt = False) -> None:
    """Allow a finished model to be used for inference."""
    _set_active(model_id, "activate", as_json)


@app.command("deactivate")
def deactivate(model_id: ModelId, as_json: JsonOpt = False) -> None:
    """Stop a model from being used for inference."""
    _set_active(model_id, "deactivate", as_json)


@app.command("settings")
def settings(
    model_id: ModelId,
    out: Annotated[
        Path,
        typer.Option("--output", "-o", file_okay=False, help="Folder to write the files into."),
    ] = Path("."),
) -> None:
    """Download the job's vlad_training.json (secrets removed) and model.json."""
    api = connect()
    model = api.get(f"/models/{model_id}")
    out.mkdir(parents=True, exist_ok=True)
    if model["job"] is None:  # imported: no job ran, its settings file is all there is
        (out / "model.json").write_text(json.dumps(model["hyperparameters"], indent=2) + "\n")
        output.console.print(f"Wrote {out / 'model.json'} (an imported model has no vlad_training.json)")
        return
    for name in SETTINGS_FILES:
        text = api.request("GET", f"/jobs/{model_id}/settings/{name}").text
        (out / name).write_text(text + "\n")
        output.console.print(f"Wrote {out / name}")


@app.command("graph")
def graph(
    model_id: ModelId,
    name: Annotated[str | None, typer.Argument(help="The graph; default: a summary of all.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A training graph's series as a table, or a trend summary of every graph."""
    api = connect()
    names = [name] if name else api.get(f"/jobs/{model_id}/graphs")
    graphs = {n: api.get(f"/jobs/{model_id}/graphs/{n}") for n in names}
    if as_json:
        output.print_json(graphs[name] if name else graphs)
    elif name:
        output.show(output.graph_table(graphs[name]))
    elif not graphs:
        output.console.print(f"{model_id} has written no graphs yet.")
    else:
        output.show(*(output.graph_summary(g) for g in graphs.values()))


def _read_log(api: ApiClient, job_id: str, offset: int) -> int:
    response = api.request("GET", f"/jobs/{job_id}/logs", params={"offset": offset})
    if response.text:
        print(response.text, end="", flush=True)
    return int(response.headers.get("X-Next-Offset", offset))


@app.command("logs")
def logs(
    job_id: Annotated[str, typer.Argument(help="A model's (or validation's) id.")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the job ends.")] = False,
) -> None:
    """The kernel's output."""
    api = connect()
    offset = _read_log(api, job_id, 0)
    while follow:
        ended = api.job(job_id)["status"] in TERMINAL
        offset = _read_log(api, job_id, offset)
        if ended:  # read once more after the end, so the last lines are not lost
            break
        time.sleep(1)
