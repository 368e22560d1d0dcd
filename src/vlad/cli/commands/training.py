"""`vlad models train|retrain|continue|import`: every way a model comes to be."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from vlad.cli import output
from vlad.cli.client import CliError, connect
from vlad.cli.follow import follow as follow_jobs
from vlad.cli.options import (
    DatasetsOpt,
    DescriptionOpt,
    ExtraFilesOpt,
    FollowOpt,
    GpusOpt,
    HyperparametersOpt,
    JsonOpt,
    KernelOpt,
    ModelId,
    ModelTypeOpt,
    NameOpt,
    SetOpt,
    ValDatasetsOpt,
)
from vlad.cli.train_request import (
    CpusOpt,
    MaxRestartsOpt,
    MemoryOpt,
    PriorityOpt,
    RestartOnErrorOpt,
    post_training,
    train_body,
)


def _submit(path: str, *, follow: bool, as_json: bool, base_model: str | None = None, **options: Any) -> None:
    api = connect()
    body = train_body(api, **options)
    model = post_training(api, path, body, body, base_model)
    if not as_json:
        output.console.print(f"Submitted model {model['name']} ({model['id']}).")
    if follow:
        follow_jobs(
            api,
            {model["id"]: model["name"]},
            as_json=as_json,
            final=lambda: api.get(f"/models/{model['id']}"),
        )
    elif as_json:
        output.print_json(model)
    else:
        output.console.print(
            f"Follow it with `vlad models show {model['id']}` or `vlad models logs {model['id']} --follow`."
        )


def train(
    dataset: DatasetsOpt = None,
    val_dataset: ValDatasetsOpt = None,
    kernel: KernelOpt = None,
    model_type: ModelTypeOpt = None,
    name: NameOpt = None,
    description: DescriptionOpt = "",
    set_: SetOpt = None,
    hyperparameters: HyperparametersOpt = None,
    gpus: GpusOpt = None,
    cpus: CpusOpt = None,
    memory_gb: MemoryOpt = None,
    priority: PriorityOpt = 0,
    max_restarts: MaxRestartsOpt = None,
    restart_on_error: RestartOnErrorOpt = False,
    extra_file: ExtraFilesOpt = None,
    follow: FollowOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Train a new model. Hyperparameters: the model type's defaults, then the file, then --set."""
    if not dataset:
        raise CliError(
            "a training job needs at least one training dataset: --dataset NAME",
            ["see `vlad datasets list`"],
        )
    _submit(
        "/models",
        follow=follow,
        as_json=as_json,
        datasets=dataset,
        val_datasets=val_dataset,
        kernel=kernel,
        model_type=model_type,
        name=name,
        description=description,
        settings=set_,
        hyperparameters_file=hyperparameters,
        gpus=gpus,
        cpus=cpus,
        memory_gb=memory_gb,
        priority=priority,
        max_restarts=max_restarts,
        restart_on_error=restart_on_error,
        extra_files=extra_file,
    )


def _from_base(action: str, doc: str):  # type: ignore[no-untyped-def]
    """A command that starts a new model from MODEL_ID (`retrain` or `continue`)."""

    def command(
        model_id: ModelId,
        dataset: DatasetsOpt = None,
        val_dataset: ValDatasetsOpt = None,
        kernel: KernelOpt = None,
        model_type: ModelTypeOpt = None,
        name: NameOpt = None,
        description: DescriptionOpt = "",
        set_: SetOpt = None,
        hyperparameters: HyperparametersOpt = None,
        gpus: GpusOpt = None,
        cpus: CpusOpt = None,
        memory_gb: MemoryOpt = None,
        priority: PriorityOpt = 0,
        max_restarts: MaxRestartsOpt = None,
        restart_on_error: RestartOnErrorOpt = False,
        extra_file: ExtraFilesOpt = None,
        follow: FollowOpt = False,
        as_json: JsonOpt = False,
    ) -> None:
        _submit(
            f"/models/{model_id}/{action}",
            base_model=model_id,
            follow=follow,
            as_json=as_json,
            datasets=dataset,
            val_datasets=val_dataset,
            kernel=kernel,
            model_type=model_type,
            name=name,
            description=description,
            settings=set_,
            hyperparameters_file=hyperparameters,
            gpus=gpus,
            cpus=cpus,
            memory_gb=memory_gb,
            priority=priority,
            max_restarts=max_restarts,
            restart_on_error=restart_on_error,
            extra_files=extra_file,
        )

    command.__doc__ = doc
    return command


retrain = _from_base(
    "retrain", "Train a new model from scratch with MODEL_ID's settings; options override them."
)
train_further = _from_base(
    "continue", "Additional training: a new model that starts from MODEL_ID's weights."
)


def import_model(
    name: Annotated[str, typer.Argument(help="A name for the model.")],
    model_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The model's file.")],
    settings_file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="Its settings (model.json, with training_type)."),
    ],
    kernel: KernelOpt = None,
    description: DescriptionOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Import an existing model; a kernel supporting its training type is picked unless given."""
    data = {"name": name, "description": description, **({"kernel": kernel} if kernel else {})}
    model = connect().upload(
        "/models/import", {"model_file": model_file, "settings_file": settings_file}, data
    )
    if as_json:
        output.print_json(model)
    else:
        output.console.print(
            f"Imported model {model['name']} ({model['id']}), kernel "
            f"{model['kernel'] or 'none (choose one when validating)'}."
        )


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("retrain")(retrain)
    app.command("continue")(train_further)
    app.command("import")(import_model)
