"""`vlad experiments ...`: many training runs submitted together, compared side by side."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from vlad.cli import output
from vlad.cli.client import CliError, connect
from vlad.cli.commands.queue import count_or_none
from vlad.cli.follow import follow as follow_jobs
from vlad.cli.group import new_app
from vlad.cli.options import (
    DatasetsOpt,
    ExtraFilesOpt,
    FollowOpt,
    GpusOpt,
    HyperparametersOpt,
    JsonOpt,
    KernelOpt,
    ModelTypeOpt,
    SetOpt,
    ValDatasetsOpt,
    YesOpt,
    grid,
    runs,
)
from vlad.cli.train_request import CpusOpt, MemoryOpt, PriorityOpt, post_training, train_body

app = new_app("Experiments: batches of training runs (listed runs, or a grid of hyperparameters).")

ExperimentId = Annotated[str, typer.Argument(help="The experiment's id.")]


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The experiment's name; runs are named NAME-001, ...")],
    dataset: DatasetsOpt = None,
    val_dataset: ValDatasetsOpt = None,
    kernel: KernelOpt = None,
    model_type: ModelTypeOpt = None,
    set_: SetOpt = None,
    hyperparameters: HyperparametersOpt = None,
    gpus: GpusOpt = None,
    cpus: CpusOpt = None,
    memory_gb: MemoryOpt = None,
    priority: PriorityOpt = 0,
    max_parallel: Annotated[
        int | None, typer.Option(help="Runs at once, at most (default: no cap; the scheduler decides).")
    ] = None,
    extra_file: ExtraFilesOpt = None,
    run: Annotated[
        list[str] | None,
        typer.Option(
            "--run",
            metavar="JSON",
            help="One run's hyperparameters, e.g. '{\"epochs\": 1}'; repeatable.",
        ),
    ] = None,
    grid_: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            metavar="KEY=V1,V2",
            help="Values to combine (every combination is a run); "
            "values are read as JSON when they parse; repeatable.",
        ),
    ] = None,
    description: Annotated[str, typer.Option(help="What the experiment is for.")] = "",
    follow: FollowOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Submit a batch of training runs; the runs share --set/--hyperparameters as their base."""
    if not dataset:
        raise CliError("an experiment needs a training dataset: --dataset NAME")
    if not run and not grid_:
        raise CliError("an experiment needs runs: --run JSON (repeated) or --grid KEY=V1,V2")
    api = connect()
    base = train_body(
        api,
        datasets=dataset,
        val_datasets=val_dataset,
        kernel=kernel,
        model_type=model_type,
        name=None,
        description="",
        settings=set_,
        hyperparameters_file=hyperparameters,
        gpus=gpus,
        cpus=cpus,
        memory_gb=memory_gb,
        priority=priority,
        extra_files=extra_file,
    )
    body = {
        "name": name,
        "description": description,
        "base": base,
        "runs": runs(run),
        "grid": grid(grid_),
        "max_parallel": max_parallel,
    }
    experiment = post_training(api, "/experiments", body, base)
    eid = experiment["id"]
    if not as_json:
        output.console.print(f"Submitted experiment {name} ({eid}) with {len(experiment['runs'])} runs.")
    if follow:
        labels = {r["model"]["id"]: r["model"]["name"] for r in experiment["runs"]}
        follow_jobs(
            api,
            labels,
            as_json=as_json,
            final=lambda: api.get(f"/experiments/{eid}"),
            summarize=lambda _states: _show(api.get(f"/experiments/{eid}")),
        )
    elif as_json:
        output.print_json(experiment)
    else:
        output.console.print(f"Compare the runs with `vlad experiments show {eid}`.")


@app.command("list")
def list_experiments(as_json: JsonOpt = False) -> None:
    """List experiments, newest first, with how many runs are in each status."""
    found = connect().get("/experiments")
    if as_json:
        output.print_json(found)
        return
    rows = [
        (
            e["name"],
            e["id"],
            sum(e["status_counts"].values()),
            ", ".join(f"{n} {s}" for s, n in sorted(e["status_counts"].items())),
            output.when(e["created_at"]),
        )
        for e in found
    ]
    output.show(output.table(["name", "id", "runs", "statuses", "created"], rows, title="experiments"))


@app.command("show")
def show(experiment_id: ExperimentId, as_json: JsonOpt = False) -> None:
    """The runs side by side: the hyperparameters that differ, status and final metrics."""
    experiment = connect().get(f"/experiments/{experiment_id}")
    if as_json:
        output.print_json(experiment)
        return
    _show(experiment)
    for run in experiment["runs"]:
        job = run["model"]["job"] or {}
        if job.get("status") in ("failed", "stopped"):
            output.err.print(f"{run['model']['name']}: {job['status']}: {job['message']}")


def varying(models: list[dict[str, Any]]) -> list[str]:
    """The hyperparameters whose values differ between runs: what the experiment compares."""
    keys = sorted({k for m in models for k in m["hyperparameters"]})
    return [
        k for k in keys if len({json.dumps(m["hyperparameters"].get(k), sort_keys=True) for m in models}) > 1
    ]


def short_names(metrics: list[str]) -> list[str]:
    """`accuracy.val_accuracy` as `val_accuracy` where no other graph has that column: narrower."""
    tails = [m.split(".", 1)[-1] for m in metrics]
    return [tail if tails.count(tail) == 1 else m for m, tail in zip(metrics, tails, strict=True)]


def _show(experiment: dict[str, Any]) -> None:
    run_list = experiment["runs"]
    models = [r["model"] for r in run_list]
    params = varying(models)
    metrics = sorted({k for r in run_list for k in r["final_metrics"]})
    rows = [
        (
            m["name"],
            m["id"],
            output.job_status(m),
            *(json.dumps(m["hyperparameters"].get(p)) for p in params),
            *(r["final_metrics"].get(k) for k in metrics),
        )
        for m, r in zip(models, run_list, strict=True)
    ]
    counts = ", ".join(f"{n} {s}" for s, n in sorted(experiment["status_counts"].items()))
    output.show(
        output.table(
            ["run", "id", "status", *params, *short_names(metrics)],
            rows,
            title=f"experiment {experiment['name']} ({experiment['id']}): {counts}; "
            f"{parallel(experiment.get('max_parallel'))}",
        )
    )


def parallel(max_parallel: int | None) -> str:
    if max_parallel is None:
        return "no cap on runs at once"
    return f"at most {max_parallel} run{'' if max_parallel == 1 else 's'} at once"


@app.command("set-max-parallel")
def set_max_parallel(
    experiment_id: ExperimentId,
    value: Annotated[str, typer.Argument(metavar="N|none", help="Runs at once, at most; none: no cap.")],
    as_json: JsonOpt = False,
) -> None:
    """Change how many of an experiment's runs may run at once; the scheduler follows at once."""
    body = {"max_parallel": count_or_none(value, "max_parallel")}
    experiment = connect().request("PATCH", f"/experiments/{experiment_id}", json=body).json()
    if as_json:
        output.print_json(experiment)
    else:
        print(
            f"Experiment {experiment['name']} ({experiment['id']}): {parallel(experiment['max_parallel'])}."
        )


@app.command("delete")
def delete(experiment_id: ExperimentId, yes: YesOpt = False) -> None:
    """Delete an experiment and all its runs (running ones are stopped)."""
    api = connect()
    experiment = api.get(f"/experiments/{experiment_id}")
    if not yes:
        typer.confirm(
            f"Delete experiment {experiment['name']} and its {len(experiment['runs'])} runs?",
            abort=True,
        )
    api.delete(f"/experiments/{experiment_id}")
    output.console.print(f"Deleted experiment {experiment_id}.")
