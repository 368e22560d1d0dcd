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


@app.command("check")
def check(
    kernel_dir: Annotated[Path, typer.Argument(help="The kernel's folder (holds kernel.json).")],
    dataset: Annotated[
        Path | None, typer.Option(help="Dataset folder, in the kernel's layout (default: the demo digits).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change a default hyperparameter, e.g. --set epochs=1 (JSON values)."),
    ] = None,
    fast: Annotated[bool, typer.Option(help="Only the manifest, training and unsupported version.")] = False,
    etc: Annotated[Path | None, typer.Option(help="Folder of extra files (etc_path).")] = None,
    work_dir: Annotated[
        Path | None, typer.Option(help="Folder for the runs (default: a temporary one).")
    ] = None,
    stop_grace: Annotated[float, typer.Option(help="Seconds a kernel has to end after SIGTERM.")] = 10.0,
    broker_url: Annotated[
        str | None, typer.Option(envvar="VLAD_BROKER_URL", help="amqp:// URL of the broker to use.")
    ] = None,
) -> None:
    """Check a kernel against the contract (SPEC sections 2-5): exit 0 only when every check passes."""
    from vlad.devtools.kernel_check import CheckError, check_kernel

    try:
        overrides = dict(_setting(item) for item in set_ or [])
        report = check_kernel(
            kernel_dir,
            dataset,
            overrides=overrides,
            fast=fast,
            broker_url=broker_url,
            etc=etc,
            work_dir=work_dir,
            stop_grace=stop_grace,
        )
    except CheckError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if json_output:
        print(report.to_json())
    else:
        print("\n".join(report.lines()))
    raise typer.Exit(0 if report.ok else 1)


def _setting(item: str) -> tuple[str, object]:
    from vlad.devtools.kernel_check import CheckError

    name, sep, text = item.partition("=")
    if not sep or not name:
        raise CheckError(f"--set {item!r}: expected NAME=VALUE, e.g. --set epochs=1")
    try:
        return name, json.loads(text)
    except json.JSONDecodeError:
        return name, text  # a bare word is a string
