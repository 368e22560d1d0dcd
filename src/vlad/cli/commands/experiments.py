"""`vlad experiments ...`: many training runs submitted together, compared side by side."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

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
    search_file: Annotated[
        Path | None,
        typer.Option(
            "--search",
            metavar="SEARCH.yaml",
            exists=True,
            dir_okay=False,
            help="A search instead of runs: space, sampler, objective, pruner, max_trials (YAML or JSON; "
            "see the README's example).",
        ),
    ] = None,
    description: Annotated[str, typer.Option(help="What the experiment is for.")] = "",
    follow: FollowOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Submit a batch of training runs, or a search; the runs share --set/--hyperparameters as their base."""
    if not dataset:
        raise CliError("an experiment needs a training dataset: --dataset NAME")
    if not run and not grid_ and not search_file:
        raise CliError(
            "an experiment needs runs: --run JSON (repeated), --grid KEY=V1,V2, or --search SEARCH.yaml"
        )
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
    if search_file:
        body["search"] = read_search(search_file)
    experiment = post_training(api, "/experiments", body, base)
    eid = experiment["id"]
    if experiment.get("search") is not None:
        _follow_search(api, experiment, follow, as_json)
        return
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


def read_search(path: Path) -> Any:
    """A search file: YAML (JSON is YAML too); its problems named with their line."""
    try:
        found = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise CliError(f"{path} is not valid YAML: {exc}") from exc
    if isinstance(found, dict) and set(found) == {"search"}:
        found = found["search"]  # the README's example nests it under `search:`
    if not isinstance(found, dict):
        raise CliError(f"{path} must hold a search: space, sampler, objective, pruner, max_trials")
    return found


def _follow_search(api: Any, experiment: dict[str, Any], follow: bool, as_json: bool) -> None:
    eid = experiment["id"]
    if not as_json:
        search = experiment["search"]
        output.console.print(
            f"Submitted search {experiment['name']} ({eid}): up to {search['max_trials']} trials, "
            f"{search['sampler']} sampler, {search['pruner']} pruner, {search['mode']} {search['metric']}."
        )
    if not follow:
        if as_json:
            output.print_json(experiment)
        else:
            output.console.print(f"Follow it with `vlad experiments show {eid}`.")
        return
    seen: dict[int, str] = {}
    while True:
        current = api.get(f"/experiments/{eid}")
        search = current["search"]
        for trial in search["trials"]:
            state = trial["state"]
            if seen.get(trial["number"]) != state:
                seen[trial["number"]] = state
                if not as_json:
                    output.console.print(_trial_line(trial))
        if search["state"] == "done":
            break
        time.sleep(1)
    if as_json:
        output.print_json(current)
    else:
        _show(current)


def _trial_line(trial: dict[str, Any]) -> str:
    params = ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in trial["params"].items()
    )
    value = f" {trial['value']:.4g}" if trial["value"] is not None else ""
    last = trial["intermediate"][-1] if trial["intermediate"] else None
    where = f" at step {last[0]}" if trial["state"] == "PRUNED" and last else ""
    run = trial["model_id"] or "no run"
    return f"trial {trial['number']} ({run}): {trial['state'].lower()}{value}{where}  {params}"


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
        if job.get("status") in ("failed", "stopped", "pruned"):
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
    search = experiment.get("search")
    if search is not None:
        best = search["best"]
        done = sum(t["state"] in ("COMPLETE", "PRUNED", "FAIL") for t in search["trials"])
        output.console.print(
            f"search {search['state']}: {done} of {search['max_trials']} trials ended "
            f"({sum(t['state'] == 'PRUNED' for t in search['trials'])} pruned); "
            f"{search['mode']} {search['metric']}"
        )
        if best is not None:
            output.console.print(f"best so far: {_trial_line(best)}")
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
