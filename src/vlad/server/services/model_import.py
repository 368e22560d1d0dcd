"""Importing an existing model: its file and its settings (model.json) file.

Everything is checked before anything is written, and the files are written into a
temporary folder that is renamed into place only once the record exists: a refusal or a
failure leaves no folder behind.

What a model file may be: the kernel manifest declares no model file formats, so any
non-empty file is accepted, under a plain file name (no `/`, not `.` or `..`, no control
characters, at most 255 bytes) other than `model.json`, which holds the settings.
"""

from __future__ import annotations

import json
import math
import shutil
import unicodedata
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from vlad.server.models import Model, Project
from vlad.server.schemas.fields import SAFE_TOKEN
from vlad.server.services import kernels as kernel_service
from vlad.server.services.errors import Invalid, field_error
from vlad.server.services.ids import new_id

MODEL_CONFIG_FILE = "model.json"  # where an imported model's settings are kept, as a job's are
MAX_SETTINGS_BYTES = 1024 * 1024
FILE_NAME = "a plain file name other than model.json, e.g. weights.pt"


def parse_settings(settings: bytes) -> dict[str, Any]:
    """The settings file as a JSON object with a well-formed `training_type`, or Invalid."""
    if len(settings) > MAX_SETTINGS_BYTES:
        raise Invalid(
            f"the settings file has {len(settings)} bytes; at most {MAX_SETTINGS_BYTES} are accepted",
            [
                field_error(
                    "settings_file", "too large", f"a model.json of at most {MAX_SETTINGS_BYTES} bytes"
                )
            ],
        )
    try:
        values = json.loads(settings.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"the settings file is not UTF-8 text: byte {exc.start} is not UTF-8",
            [field_error("settings_file", "not UTF-8", "a model.json in UTF-8")],
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise Invalid(
            f"the settings file is not valid JSON: {str(exc)[:200]}",
            [field_error("settings_file", "not JSON", "a model.json: a JSON object")],
        ) from exc
    if not isinstance(values, dict):
        raise Invalid(
            f"the settings file holds a JSON {type(values).__name__}, not an object",
            [field_error("settings_file", "not a JSON object", "a model.json: a JSON object")],
        )
    training_type = values.get("training_type")
    allowed = "a training type such as classification: 1 to 100 letters, digits, '_', '.' or '-'"
    if not training_type:
        raise Invalid(
            "the settings file has no training_type",
            [field_error("settings_file.training_type", "missing", allowed)],
        )
    if (
        not isinstance(training_type, str)
        or not SAFE_TOKEN.fullmatch(training_type)
        or len(training_type) > 100
    ):
        shown = repr(training_type)
        shown = shown if len(shown) <= 100 else shown[:100] + "..."
        raise Invalid(
            f"the settings file's training_type {shown} is not a training type",
            [field_error("settings_file.training_type", _kind(training_type), allowed)],
        )
    model_type = values.get("model_type")
    if model_type is not None and not isinstance(model_type, str):
        raise Invalid(
            "the settings file's model_type is not text",
            [
                field_error(
                    "settings_file.model_type", f"a {type(model_type).__name__}", "a model type's name"
                )
            ],
        )
    return values


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "not a well-formed name"
    return {int: "a number", float: "a number", bool: "true or false", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: an answer could not carry it back
        raise ValueError(f"{text[:50]} is too large a number")
    return value


def model_file_name(filename: str) -> str:
    """The name the model file is stored under, or Invalid saying why it cannot be."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    problem = None
    if name in ("", ".", ".."):
        problem = f"{filename[:100]!r} is not a file name"
    elif name == MODEL_CONFIG_FILE:
        problem = f"{MODEL_CONFIG_FILE} is where the settings file is kept"
    elif any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        problem = "the name has a control character"
    elif len(name.encode("utf-8", errors="replace")) > 255:
        problem = "the name is longer than 255 bytes"
    if problem:
        raise Invalid(
            f"the model file cannot be stored: {problem}", [field_error("model_file", problem, FILE_NAME)]
        )
    return name


def import_model(
    session: Session,
    project: Project,
    name: str,
    model_file: tuple[str, BinaryIO],
    settings: bytes,
    models_dir: Path,
    kernel_ref: str | None = None,
    description: str = "",
) -> Model:
    """An existing model: its file and its settings (model.json). Creates nothing on refusal."""
    values = parse_settings(settings)
    training_type = values["training_type"]
    filename = model_file_name(model_file[0])
    kernel = (
        kernel_service.get(session, project, kernel_ref)
        if kernel_ref
        else kernel_service.propose(session, project, training_type, values)
    )
    if kernel is not None and not kernel_service.supports(kernel, training_type):
        raise Invalid(
            f"kernel {kernel.name} does not support training type {training_type!r}",
            [field_error("kernel", "wrong training type", f"a kernel supporting {training_type}")],
        )
    model_id = new_id("model")
    folder, partial = models_dir / model_id, models_dir / f".import-{model_id}"
    partial.mkdir(parents=True)
    try:
        with (partial / filename).open("xb") as out:
            shutil.copyfileobj(model_file[1], out)
        if (partial / filename).stat().st_size == 0:
            raise Invalid(
                "the model file is empty", [field_error("model_file", "empty", "the model's file, not empty")]
            )
        (partial / MODEL_CONFIG_FILE).write_bytes(settings)
        model = Model(
            id=model_id,
            project_id=project.id,
            name=name,
            description=description,
            origin="import",
            kernel_id=kernel.id if kernel else None,
            model_type=values.get("model_type"),
            training_type=training_type,
            hyperparameters=values,
            model_path=str(folder),
        )
        session.add(model)
        session.flush()
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return model
