"""`vlad kernel ...`: a kernel author's tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vlad.contract import ValidationType

app = typer.Typer(no_args_is_help=True, help="Develop and check kernels.")
console = Console(stderr=True)


@app.command("run")
def run(
    kernel_dir: Annotated[Path, typer.Argument(help="The kernel's folder (holds kernel.json).")],
    dataset: Annotated[Path, typer.Option(help="Dataset folder, in the kernel's layout.")],
    hyperparameters: Annotated[
        Path | None, typer.Option(help="model.json to use (default: the first model type's defaults).")
    ] = None,
    model_type: Annotated[str | None, typer.Option(help="Model type whose defaults to use.")] = None,
    base_model: Annotated[
        Path | None, typer.Option(help="Base model folder: additional training, or the model to validate.")
    ] = None,
    validation_type: Annotated[
        ValidationType | None, typer.Option(help="Run a validation job of this type instead of training.")
    ] = None,
    etc: Annotated[Path | None, typer.Option(help="Folder of extra files (etc_path).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the run (default: ./vlad-runs/<id>).")] = None,
    broker_url: Annotated[
        str | None, typer.Option(envvar="VLAD_BROKER_URL", help="amqp:// URL of the broker to use.")
    ] = None,
    json_lines: Annotated[
        bool, typer.Option("--json", help="Print each status message as a JSON line.")
    ] = False,
) -> None:
    """Run a kernel on this machine with no platform, and show its status messages."""
    from vlad.devtools.kernel_runner import KernelRun, RunError

    try:
        runner = KernelRun.prepare(
            kernel_dir,
            dataset,
            hyperparameters=hyperparameters,
            model_type=model_type,
            base_model=base_model,
            validation_type=validation_type,
            etc=etc,
            out=out,
        )
    except RunError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    show_bar = sys.stdout.isatty() and not json_lines
    outcome = runner.execute(broker_url, on_message=None if show_bar else _print_line, progress=show_bar)
    console.print(outcome.summary())
    raise typer.Exit(0 if outcome.done else 1)


def _print_line(message: dict) -> None:
    print(json.dumps(message), flush=True)
