"""`vlad validations ...`: score a finished model on labelled data, or auto-label data with it."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from vlad.cli import output
from vlad.cli.client import connect
from vlad.cli.commands.queue import resources, waiting_status
from vlad.cli.follow import follow as follow_jobs
from vlad.cli.group import new_app
from vlad.cli.options import FollowOpt, GpusOpt, JsonOpt, KernelOpt
from vlad.cli.train_request import CpusOpt, MemoryOpt, PriorityOpt, job_resources

app = new_app("Validations: score a model on a dataset, or label a dataset with it (inference).")

ValidationId = Annotated[str, typer.Argument(help="The validation's id.")]
FIRST_ROWS = 10


class Kind(StrEnum):
    validation = "validation"
    inference = "inference"


def _rows(found: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            v["id"],
            v["model_id"],
            v["validation_type"],
            output.job_status(v),
            output.dataset_names(v),
            output.when(v["created_at"]),
        )
        for v in found
    ]


COLUMNS = ["id", "model", "type", "status", "datasets", "created"]


@app.command("create")
def create(
    model_id: Annotated[str, typer.Argument(help="A model whose training is done.")],
    dataset: Annotated[list[str], typer.Option("--dataset", "-d", help="Dataset id or name; repeatable.")],
    kind: Annotated[
        Kind,
        typer.Option(
            "--type",
            help="validation: compare the model's predictions with the labels; inference: label the data.",
        ),
    ] = Kind.validation,
    kernel: KernelOpt = None,
    gpus: GpusOpt = None,
    cpus: CpusOpt = None,
    memory_gb: MemoryOpt = None,
    priority: PriorityOpt = 0,
    follow: FollowOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate a model (default: with the kernel that trained it)."""
    api = connect()
    body = {
        "datasets": dataset,
        "validation_type": kind.value,
        "kernel": kernel,
        "gpu_count": gpus,
        **job_resources(priority, cpus, memory_gb),
    }
    validation = api.post(f"/models/{model_id}/validations", body)
    vid = validation["id"]
    if not as_json:
        output.console.print(f"Submitted {kind.value} {vid} of model {model_id}.")
    if follow:
        follow_jobs(
            api,
            {vid: vid},
            as_json=as_json,
            final=lambda: api.get(f"/validations/{vid}"),
            summarize=lambda _states: _show(api.get(f"/validations/{vid}")),
        )
    elif as_json:
        output.print_json(validation)
    else:
        output.console.print(f"See its results with `vlad validations show {vid}`.")


@app.command("list")
def list_validations(
    model: Annotated[str | None, typer.Option("--model", help="Only this model's validations.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List validations and inferences, newest first."""
    found = connect().get("/validations", model_id=model)
    if as_json:
        output.print_json(found)
    else:
        output.show(output.table(COLUMNS, _rows(found), title="validations", no_wrap=("id", "model")))


@app.command("show")
def show(validation_id: ValidationId, as_json: JsonOpt = False) -> None:
    """A validation's scores (accuracy, per class, confusion matrix), or its annotations."""
    validation = connect().get(f"/validations/{validation_id}")
    if as_json:
        output.print_json(validation)
    else:
        _show(validation)


def _show(validation: dict[str, Any]) -> None:
    job = validation["job"]
    output.show(
        output.panel(
            output.fields(
                [
                    ("id", validation["id"]),
                    ("model", validation["model_id"]),
                    ("type", validation["validation_type"]),
                    ("status", waiting_status(validation)),
                    ("kernel", validation["kernel_id"]),
                    ("datasets", output.dataset_names(validation)),
                    ("created", output.when(validation["created_at"])),
                    ("elapsed", output.duration(job["elapsed_seconds"])),
                    ("resources", f"{resources(job)}; priority {job['priority']}"),
                ]
            ),
            f"{validation['validation_type']}",
        )
    )
    if job["status"] in ("failed", "stopped"):
        output.console.print(Text(f"{job['status']}: {job['message'] or 'no reason given'}", style="red"))
    results = validation.get("results")
    if not results:
        output.console.print("No results yet." if job["status"] != "done" else "The kernel wrote no results.")
    elif "annotations" in results:
        _annotations(results)
    else:
        _scores(results)


def _annotations(results: dict[str, Any]) -> None:
    rows = results["annotations"]
    output.console.print(
        f"{len(rows)} annotations ({results.get('format', 'unknown format')}); "
        f"classes: {', '.join(map(str, results.get('classes', [])))}"
    )
    columns = list(rows[0]) if rows else []
    first = [[row.get(c) for c in columns] for row in rows[:FIRST_ROWS]]
    output.show(output.table(columns, first, title=f"first {len(first)} of {len(rows)}"))


def _scores(results: dict[str, Any]) -> None:
    summary = [(k, v) for k, v in results.items() if isinstance(v, int | float | str)]
    output.show(output.fields(summary))
    if isinstance(results.get("per_class"), dict):
        output.show(
            output.table(
                ["class", "precision", "recall", "support"],
                [
                    (label, s.get("precision"), s.get("recall"), s.get("support"))
                    for label, s in results["per_class"].items()
                ],
                title="per class",
                no_wrap=("class",),
            )
        )
    matrix = results.get("confusion_matrix")
    if isinstance(matrix, dict) and matrix.get("labels"):
        labels = [str(label) for label in matrix["labels"]]
        output.show(
            output.table(
                ["true \\ predicted", *labels],
                [(label, *row) for label, row in zip(labels, matrix["matrix"], strict=False)],
                title="confusion matrix",
                no_wrap=("true \\ predicted",),
            )
        )


@app.command("download")
def download(
    validation_id: ValidationId,
    out: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="File to write (default: the server's file name).",
        ),
    ] = None,
) -> None:
    """Download the result file: validation_result.json, or an inference's annotations.json."""
    response = connect().request("GET", f"/validations/{validation_id}/results")
    disposition = response.headers.get("Content-Disposition", "")
    default = disposition.split("filename=")[-1].strip('"') if "filename=" in disposition else "results.json"
    target = out or Path(default)
    target.write_text(json.dumps(response.json(), indent=2) + "\n")
    output.console.print(f"Wrote {target}")
