"""`vlad kernels ...`: the training programs registered on the platform."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from vlad.cli import output
from vlad.cli.client import connect
from vlad.cli.group import new_app
from vlad.cli.options import JsonOpt

app = new_app("Kernels: the training programs the platform can run.")


def _table(kernels: list[dict[str, Any]]) -> Any:
    rows = [
        (
            k["name"],
            k["version"],
            k["id"],
            ", ".join(k["training_types"]),
            ", ".join(k["model_types"]),
            _gpus(k),
            output.when(k["created_at"]),
        )
        for k in kernels
    ]
    return output.table(
        ["name", "version", "id", "training types", "model types", "GPUs", "registered"], rows
    )


def _gpus(kernel: dict[str, Any]) -> str:
    gpus = kernel["supported_gpu_count"]
    low, high = gpus.get("minimum", 1), gpus.get("maximum", 1)
    return str(low) if low == high else f"{low}-{high}"


@app.command("list")
def list_kernels(
    training_type: Annotated[str | None, typer.Option(help="Only kernels supporting this type.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the registered kernels (every version)."""
    kernels = connect().get("/kernels", training_type=training_type)
    if as_json:
        output.print_json(kernels)
    else:
        output.show(_table(kernels))


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="Kernel id, name or name:version.")],
    as_json: JsonOpt = False,
) -> None:
    """A kernel: its manifest, model types and hyperparameter schema."""
    kernel = connect().get(f"/kernels/{ref}")
    if as_json:
        output.print_json(kernel)
        return
    info = output.fields(
        [
            ("id", kernel["id"]),
            ("name", kernel["name"]),
            ("version", kernel["version"]),
            ("description", kernel["description"]),
            ("image", kernel["image"]),
            ("training types", ", ".join(kernel["training_types"])),
            ("GPUs", _gpus(kernel)),
            ("executor", kernel["executor"]),
            ("path", kernel["path"]),
            ("registered", output.when(kernel["created_at"])),
        ]
    )
    types = output.table(
        ["model type", "defaults"],
        [
            (
                name,
                json.dumps({k: v for k, v in defaults.items() if k not in ("training_type", "model_type")}),
            )
            for name, defaults in kernel["model_types"].items()
        ],
        no_wrap=("model type",),
    )
    output.show(
        output.panel(info, f"kernel {kernel['name']} {kernel['version']}"),
        types,
        output.schema_table(kernel["schema_"]),
    )


@app.command("register")
def register(
    path: Annotated[
        Path,
        typer.Argument(help="The kernel's folder (holds kernel.json), as the platform's machine sees it."),
    ],
    executor: Annotated[str | None, typer.Option(help="Run it with this executor.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a kernel folder; its kernel.json is checked by the platform."""
    # A relative path means nothing to the server: resolve it here, where the user typed it.
    kernel = connect().post("/kernels", {"path": str(path.expanduser().resolve()), "executor": executor})
    if as_json:
        output.print_json(kernel)
    else:
        output.console.print(f"Registered kernel {kernel['name']} {kernel['version']} ({kernel['id']}).")


@app.command("versions")
def versions(name: Annotated[str, typer.Argument(help="Kernel name.")], as_json: JsonOpt = False) -> None:
    """Every registered version of one kernel."""
    kernels = connect().get(f"/kernels/{name}/versions")
    if as_json:
        output.print_json(kernels)
    else:
        output.show(_table(kernels))
