"""The options the command groups share, and the parsing of their values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from vlad.cli.client import CliError

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead of tables.")]
FollowOpt = Annotated[
    bool,
    typer.Option("--follow", "-f", help="Show live progress until the job ends; exit 1 unless it is done."),
]
ModelId = Annotated[str, typer.Argument(help="The model's id.")]
DatasetsOpt = Annotated[
    list[str] | None,
    typer.Option("--dataset", "-d", help="Training dataset (id or name); repeat for several."),
]
ValDatasetsOpt = Annotated[
    list[str] | None,
    typer.Option("--val-dataset", help="Validation dataset (id or name); repeat for several."),
]
KernelOpt = Annotated[str | None, typer.Option("--kernel", "-k", help="Kernel id, name or name:version.")]
ModelTypeOpt = Annotated[
    str | None,
    typer.Option("--model-type", "-t", help="Model type; its defaults are the hyperparameters' base."),
]
NameOpt = Annotated[str | None, typer.Option("--name", "-n", help="Model name (default: generated).")]
DescriptionOpt = Annotated[str, typer.Option("--description", help="What this model is for.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="KEY=VALUE",
        help="Hyperparameter; VALUE is read as JSON when it parses (1, 0.5, true, [1,2]), else as text.",
    ),
]
HyperparametersOpt = Annotated[
    Path | None,
    typer.Option(
        "--hyperparameters",
        exists=True,
        dir_okay=False,
        help="A JSON file of hyperparameters; --set values go over it.",
    ),
]
GpusOpt = Annotated[
    int | None,
    typer.Option(
        "--gpus",
        min=0,
        help="GPU count, within the kernel's supported range (default: its minimum).",
    ),
]
ExtraFilesOpt = Annotated[
    list[Path] | None,
    typer.Option("--extra-file", help="File handed to the kernel at etc_path; repeat for several."),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def json_value(text: str) -> Any:
    """`1` is a number, `true` a boolean, `[1,2]` a list; anything that is not JSON is text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def split_pair(item: str, option: str) -> tuple[str, str]:
    """`KEY=VALUE` as (KEY, VALUE), the key stripped; a CliError naming `option` otherwise."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise CliError(f"{option} {item!r} is not KEY=VALUE", [f"e.g. {option} epochs=3"])
    return key.strip(), value


def hyperparameters(file: Path | None, settings: list[str] | None) -> dict[str, Any] | None:
    """The JSON object of `--hyperparameters FILE` with each `--set KEY=VALUE` over it; None if empty."""
    values: dict[str, Any] = {}
    if file is not None:
        try:
            loaded = json.loads(file.read_text())
        except ValueError as exc:
            raise CliError(f"{file} is not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise CliError(f"{file} must hold a JSON object of hyperparameters")
        values.update(loaded)
    for item in settings or []:
        key, value = split_pair(item, "--set")
        values[key] = json_value(value)
    return values or None


def grid(items: list[str] | None) -> dict[str, list[Any]]:
    """`--grid lr=0.1,0.01` (or a JSON list: `--grid 'sizes=[[1,2],[3]]'`)."""
    out: dict[str, list[Any]] = {}
    for item in items or []:
        key, text = split_pair(item, "--grid")
        parsed = json_value(text)
        out[key] = parsed if isinstance(parsed, list) else [json_value(v) for v in text.split(",")]
    return out


def runs(items: list[str] | None) -> list[dict[str, Any]]:
    """Each `--run` as a JSON object of hyperparameters; a CliError for one that is not."""
    out = []
    for item in items or []:
        parsed = json_value(item)
        if not isinstance(parsed, dict):
            raise CliError(f"--run {item!r} is not a JSON object", ["e.g. --run '{\"epochs\": 3}'"])
        out.append(parsed)
    return out
