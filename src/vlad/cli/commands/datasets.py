"""`vlad datasets ...`: the data kernels train and validate on."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from vlad.cli import output
from vlad.cli.client import CliError, connect
from vlad.cli.group import new_app
from vlad.cli.options import JsonOpt

app = new_app("Datasets: labelled data in the layout of their training type.")

TypeOpt = Annotated[str, typer.Option("--type", help="Training type of the labels, e.g. classification.")]
DescriptionOpt = Annotated[str, typer.Option(help="What the dataset holds.")]


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def _table(found: list[dict[str, Any]]) -> Any:
    rows = [
        (
            d["name"],
            d["id"],
            d["training_type"],
            d["file_count"],
            _size(d["size_bytes"]),
            output.when(d["created_at"]),
            d["location"],
        )
        for d in found
    ]
    return output.table(["name", "id", "type", "files", "size", "registered", "location"], rows)


def _done(dataset: dict[str, Any], as_json: bool, verb: str) -> None:
    if as_json:
        output.print_json(dataset)
    else:
        output.console.print(
            f"{verb} dataset {dataset['name']} ({dataset['id']}): "
            f"{dataset['file_count']} files, {_size(dataset['size_bytes'])}."
        )


@app.command("list")
def list_datasets(
    training_type: Annotated[str | None, typer.Option("--type", help="Only this training type.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the datasets."""
    found = connect().get("/datasets", training_type=training_type)
    if as_json:
        output.print_json(found)
    else:
        output.show(_table(found))


@app.command("show")
def show(ref: Annotated[str, typer.Argument(help="Dataset id or name.")], as_json: JsonOpt = False) -> None:
    """One dataset."""
    dataset = connect().get(f"/datasets/{ref}")
    if as_json:
        output.print_json(dataset)
        return
    output.show(
        output.panel(
            output.fields(
                [
                    ("id", dataset["id"]),
                    ("name", dataset["name"]),
                    ("description", dataset["description"]),
                    ("training type", dataset["training_type"]),
                    ("files", dataset["file_count"]),
                    ("size", _size(dataset["size_bytes"])),
                    ("location", dataset["location"]),
                    ("registered", output.when(dataset["created_at"])),
                ]
            ),
            f"dataset {dataset['name']}",
        )
    )


@app.command("register")
def register(
    name: Annotated[str, typer.Argument(help="A name for the dataset (unique in the project).")],
    location: Annotated[
        str, typer.Argument(help="Its folder, as the platform's machine sees it, or s3://bucket/prefix.")
    ],
    training_type: TypeOpt,
    description: DescriptionOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Register a dataset where it is: a folder on the platform's machine (nothing is copied),
    or an S3 prefix (downloaded into each job that uses it)."""
    body = {
        "name": name,
        "training_type": training_type,
        "description": description,
        "location": location if location.startswith("s3://") else str(Path(location).expanduser().resolve()),
    }
    _done(connect().post("/datasets", body), as_json, "Registered")


@app.command("upload")
def upload(
    name: Annotated[str, typer.Argument(help="A name for the dataset (unique in the project).")],
    archive: Annotated[
        Path,
        typer.Argument(exists=True, help="A .zip of the dataset folder, or the folder itself (zipped here)."),
    ],
    training_type: TypeOpt,
    description: DescriptionOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Upload a dataset to the platform, which stores it."""
    data = {"name": name, "training_type": training_type, "description": description}
    if archive.is_file():
        if archive.suffix.lower() != ".zip":
            raise CliError(f"{archive} is not a .zip; give a .zip or the dataset's folder")
        _done(connect().upload("/datasets/upload", {"file": archive}, data), as_json, "Uploaded")
        return
    with tempfile.TemporaryDirectory() as scratch:
        zipped = Path(shutil.make_archive(str(Path(scratch) / name), "zip", archive))
        _done(connect().upload("/datasets/upload", {"file": zipped}, data), as_json, "Uploaded")
