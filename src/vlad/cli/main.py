"""Entry point of the `vlad` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from vlad.cli.commands import (
    datasets,
    dlaas,
    experiments,
    kernel,
    kernels,
    models,
    projects,
    queue,
    token,
    validations,
)

app = typer.Typer(no_args_is_help=True, help="VLAD training platform: kernels, jobs and models.")
app.add_typer(kernel.app, name="kernel")
# The platform's resources, over its REST API (`vlad up` saves where it is).
app.add_typer(kernels.app, name="kernels")
app.add_typer(datasets.app, name="datasets")
app.add_typer(models.app, name="models")
app.add_typer(validations.app, name="validations")
app.add_typer(experiments.app, name="experiments")
app.add_typer(queue.app, name="queue")
app.add_typer(token.app, name="token")
app.add_typer(projects.app, name="projects")
# The DLaaS way (seed 003): `vlad train MODEL.zip MANIFEST.yaml`, `vlad list trained-models`, ...
dlaas.register(app)
console = Console(stderr=True)


@app.command("demo-dataset")
def demo_dataset(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write; new, empty, or holding this dataset already.")
    ],
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
    done = "The digits dataset is in" if summary.get("existing") else "Wrote the digits dataset to"
    console.print(f"{done} {directory} ({splits}).")


@app.command("up")
def up(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the platform keeps its data.")] = None,
) -> None:
    """Start the whole platform in one process (SQLite, local executor, a broker)."""
    from vlad.server.settings import Settings
    from vlad.server.up import serve

    overrides = {k: v for k, v in {"host": host, "port": port, "data_dir": data_dir}.items() if v}
    serve(Settings(**overrides))


def main() -> None:
    app()


if __name__ == "__main__":  # `python -m vlad.cli.main`, as the test harness runs it
    main()
