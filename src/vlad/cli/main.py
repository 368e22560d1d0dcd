"""Entry point of the `vlad` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vlad.cli import kernel_cmd

app = typer.Typer(no_args_is_help=True, help="VLAD training platform: kernels, jobs and models.")
app.add_typer(kernel_cmd.app, name="kernel")
console = Console(stderr=True)


@app.command("demo-dataset")
def demo_dataset(
    directory: Annotated[Path, typer.Argument(help="Folder to write; must be new or empty.")],
    val_fraction: Annotated[float, typer.Option(min=0.05, max=0.9)] = 0.2,
    seed: int = 0,
) -> None:
    """Write a labelled image dataset (scikit-learn's bundled digits) in the classification layout."""
    from vlad.demo.digits import write_digits_dataset

    try:
        summary = write_digits_dataset(directory, val_fraction=val_fraction, seed=seed)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    splits = ", ".join(f"{name}: {count} images" for name, count in summary["splits"].items())
    console.print(f"Wrote the digits dataset to {directory} ({splits}).")


def main() -> None:
    app()
