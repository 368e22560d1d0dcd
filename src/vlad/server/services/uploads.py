"""Files uploaded for jobs (POST /files): kept per project until a training names them in
`extra_files` and they are copied into its job's etc/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

from vlad.server.models import Project
from vlad.server.schemas.responses import FileOut
from vlad.server.services.access import refuse_control_characters
from vlad.server.services.errors import Invalid, field_error
from vlad.server.services.ids import new_id


def upload_name(filename: str | None) -> str:
    """The name an uploaded file is stored under; Invalid saying why it cannot be one."""
    name = (filename or "").replace("/", "_").replace("\\", "_")
    accepted = "a plain file name, e.g. labels.csv"
    if name in ("", ".", ".."):
        raise Invalid(
            f"the upload's file name {filename!r} cannot name a file; accepted: {accepted}",
            [field_error("file.filename", f"{filename!r} is not a file name", accepted)],
        )
    refuse_control_characters(name, "file.filename", accepted)
    if len(name.encode()) > 255:
        raise Invalid(
            "the upload's file name is longer than 255 bytes",
            [field_error("file.filename", f"{len(name.encode())} bytes", "at most 255 bytes")],
        )
    return name


def save(uploads_dir: Path, project: Project, filename: str | None, stream: BinaryIO) -> FileOut:
    """Keep `stream` at <uploads_dir>/<project id>/<new file id>/<name>; a failed copy leaves
    nothing behind."""
    name = upload_name(filename)
    file_id = new_id("file")
    folder = uploads_dir / project.id / file_id
    folder.mkdir(parents=True)
    try:
        with (folder / name).open("wb") as out:
            shutil.copyfileobj(stream, out)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileOut(id=file_id, filename=name, size=(folder / name).stat().st_size)
