"""`vlad train`, `vlad list|show|delete trained-models`: DLaaS jobs, worded as seed 003's CLI.

vlad train model.zip manifest.yaml [--follow]
vlad list trained-models
vlad show trained-models training-XXXXXXXX
vlad delete trained-models training-XXXXXXXX
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from vlad.cli import output
from vlad.cli.client import ApiClient, CliError, connect
from vlad.cli.follow import follow as follow_jobs
from vlad.cli.group import new_app
from vlad.cli.options import FollowOpt, JsonOpt

PATH = "/dlaas/models"
TRAINED_MODELS = "trained-models"
GPUS = {"small": 1, "medium": 2, "large": 4}
F = TypeVar("F", bound=Callable[..., Any])
ModelIdArg = Annotated[str, typer.Argument(help="The model id, training-XXXXXXXX.")]


def say(text: str) -> None:
    print(text, flush=True)  # plain lines, as the seed's CLI prints them


def friendly(function: F) -> F:
    """A refusal or failure as one `error:` line and exit status 1 (top-level commands)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except CliError as exc:
            output.error(exc)
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]


def stamp(value: str | None) -> str:
    """An API time as the seed shows it: 2017-10-26T11:16:51Z (UTC)."""
    if not value:
        return "-"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@friendly
def train(
    model_definition: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .zip of the training code.")
    ],
    manifest: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="The training manifest (YAML).")
    ],
    follow: FollowOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Start a DLaaS training run; its data and results live in the manifest's buckets."""
    api = connect()
    if not as_json:
        say("Starting to train ...")
    started = api.upload(PATH, {"model_definition": model_definition, "manifest": manifest})
    model_id = started["model_id"]
    if not as_json:
        say("OK")
        say(f"Model-ID is '{model_id}'")
        if started.get("note"):
            output.note(started["note"])
    if follow:
        follow_jobs(
            api,
            {model_id: started["name"]},
            as_json=as_json,
            final=lambda: api.get(f"{PATH}/{model_id}"),
            summarize=lambda states: _results(api, model_id),
        )
    if as_json:
        output.print_json(started)
    else:
        say(f"Follow it with `vlad show trained-models {model_id}`.")


def _results(api: ApiClient, model_id: str, wait: float = 60.0) -> None:
    """Where the model and log went (uploaded once the job's process has ended)."""
    deadline = time.monotonic() + wait
    details = api.get(f"{PATH}/{model_id}")
    while details["results"]["status"] in ("pending", "uploading") and time.monotonic() < deadline:
        time.sleep(0.5)
        details = api.get(f"{PATH}/{model_id}")
    say(f"{details['name']}: {details['state']}")
    say(f"Results: {_results_line(details)}")


def _results_line(details: dict[str, Any]) -> str:
    results = details["results"]
    line = f"{results['location']} at {results['endpoint_url']} ({results['status']})"
    if results["status"] == "failed" and results.get("message"):
        line += f": {results['message']}"
    return line


def list_trained_models(as_json: JsonOpt = False) -> None:
    """The DLaaS training runs of the retention period, with their status."""
    api = connect()
    if not as_json:
        say("Fetching the list of trained models ...")
    items = api.get(PATH)
    if as_json:
        output.print_json(items)
        return
    rows = [["#", "Name", "Model-ID", "Status", "Submitted-at"]] + [
        [str(i["number"]), i["name"], i["id"], i["status"], stamp(i["submitted_at"])] for i in items
    ]
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))]
    for row in rows:
        say("   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    say("")
    say(f"{len(items)} record{'s' * (len(items) != 1)} found.")
    say("OK")
    say("List all trained-models successful")


def show_trained_model(model_id: ModelIdArg, as_json: JsonOpt = False) -> None:
    """One DLaaS training run: id, url, name, state, submitted-at, and more."""
    api = connect()
    if not as_json:
        say(f"Fetching the trained model details with MODEL-ID '{model_id}' ...")
    details = api.get(f"{PATH}/{model_id}")
    if as_json:
        output.print_json(details)
        return
    author = details.get("author") or {}
    progress = None
    if details.get("percentage") is not None:
        progress = f"{details['percentage']:.0f}%" + (
            f" (step {details['step']})" if details.get("step") else ""
        )
    resource = details["resource"]
    pairs = [
        ("Model-ID", details["id"]),
        ("URL", details["url"]),
        ("Name", details["name"]),
        ("State", details["state"]),
        ("Submitted-at", stamp(details["submitted_at"])),
        ("Description", details.get("description")),
        (
            "Framework",
            f"{details['framework'].get('name', '')} {details['framework'].get('version', '')}".strip(),
        ),
        (
            "Author",
            " ".join(
                filter(None, [author.get("name"), f"<{author['email']}>" if author.get("email") else ""])
            ),
        ),
        ("Command", details["command"]),
        ("Resource", _resource(resource, details["gpu_count"])),
        ("Started-at", stamp(details.get("started_at"))),
        ("Finished-at", stamp(details.get("finished_at"))),
        ("Progress", progress),
        ("Exit-code", details.get("exit_code")),
        ("Data", f"s3://{details['data']['bucket']} at {details['data']['endpoint_url']}"),
        ("Results", _results_line(details)),
        ("Kept-until", stamp(details.get("expires_at"))),
    ]
    width = max(len(label) for label, _ in pairs) + 3
    for label, value in pairs:
        if value not in (None, ""):
            say(f"{label.ljust(width)}{value}")
    if details.get("message"):
        say("Message:")
        for line in str(details["message"]).splitlines():
            say(f"  {line}")
    say("OK")
    say("Show trained-models details successful")


def _resource(resource: str, given: int) -> str:
    wanted = GPUS.get(resource, 0)
    text = f"{resource} ({wanted} GPU{'s' * (wanted != 1)})"
    return text + ("; runs on the CPU: the platform has no GPUs" if given == 0 else f"; {given} given")


def delete_trained_model(model_id: ModelIdArg) -> None:
    """Forget a DLaaS training run (stopping it if it runs); its results bucket keeps the model and logs."""
    api = connect()
    say(f"Deleting the trained model '{model_id}' ...")
    api.delete(f"{PATH}/{model_id}")
    say("OK")
    say("Delete trained-models successful")


def register(app: typer.Typer) -> None:
    """Add `train`, `list`, `show` and `delete` (with `trained-models`) to the `vlad` command."""
    app.command("train")(train)
    for verb, function, help_text in (
        ("list", list_trained_models, "List DLaaS resources: `vlad list trained-models`."),
        ("show", show_trained_model, "Show a DLaaS resource: `vlad show trained-models ID`."),
        ("delete", delete_trained_model, "Delete a DLaaS resource: `vlad delete trained-models ID`."),
    ):
        group = new_app(help_text)
        group.command(TRAINED_MODELS)(function)
        app.add_typer(group, name=verb)


if __name__ == "__main__":  # `python -m vlad.cli.commands.dlaas ...`, before `vlad` registers these
    standalone = typer.Typer(no_args_is_help=True)
    register(standalone)
    standalone()
