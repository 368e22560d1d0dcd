"""Files of a job's folder that the API serves: its settings files (secrets removed), its log,
and the images of its staged dataset.

The job's dataset folder is the kernel's to read, and on the local executor to write: an
entry there may be a link a kernel planted (`val/leak.png -> /etc/shadow`). Images are
opened through `confined`: one path component at a time, links refused, so only a regular
file inside the dataset folder is ever served. Staged files are hard links to the dataset's
read-only snapshot (see staging), regular files, so thumbnails need no link followed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from vlad.server.models import Job
from vlad.server.services import confined
from vlad.server.services.errors import Invalid, NotFound, field_error

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".webp": "image/webp",
}


def dataset_image(job: Job, relative: str) -> tuple[BinaryIO, str]:
    """An image under the job's `dataset_path` (as annotations name it), open for reading,
    and its media type. The caller closes it.

    Only images, and only inside that folder: a path with `..` or a leading `/` is refused
    (Invalid); a link anywhere on the way, or anything but a regular file, is not found.
    """
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\x00" in relative:
        raise Invalid(
            f"{relative!r} is not a path inside the job's dataset",
            [field_error("path", "outside the dataset", "a relative path such as val/3/12.png")],
        )
    media_type = IMAGE_TYPES.get(Path(relative).suffix.lower())
    if media_type is None:
        raise Invalid(
            f"{relative!r} is not an image",
            [field_error("path", "not an image", ", ".join(sorted(IMAGE_TYPES)))],
        )
    try:
        fd = confined.open_file(Path(job.job_dir, "dataset"), relative)
    except (FileNotFoundError, NotADirectoryError, confined.OutsideFolder):
        raise NotFound(f"job {job.id} has no dataset file {relative!r}") from None
    return os.fdopen(fd, "rb"), media_type


SECRET_FIELDS = ("message_pw", "project_key")
SETTINGS_LIMIT = 64 * 1024 * 1024  # model.json is the kernel's to write in a container


def settings_file(job: Job, filename: str) -> Any:
    """One of `settings_files`; NotFound naming those there are."""
    files = settings_files(job)
    if filename not in files:
        raise NotFound(f"no settings file {filename!r}; there are {sorted(files)}")
    return files[filename]


def settings_files(job: Job) -> dict[str, Any]:
    """The job's vlad_training.json (secrets removed) and model.json, as written."""
    folder = Path(job.job_dir)
    files: dict[str, Any] = {}
    for name in ("vlad_training.json", "model.json"):
        try:  # a link a kernel put in their place is refused, never followed
            files[name] = json.loads(confined.read_bytes(folder, name, SETTINGS_LIMIT))
        except (FileNotFoundError, confined.OutsideFolder, ValueError):
            continue
    for secret in SECRET_FIELDS:
        files.get("vlad_training.json", {}).pop(secret, None)
    return files


def read_log(job: Job, offset: int = 0, limit: int = 1024 * 1024) -> tuple[str, int]:
    """The log from byte `offset` (at most `limit` bytes) and the offset to go on from.

    A negative offset is refused; one past the end reads nothing and answers the end.
    """
    if offset < 0:
        raise Invalid(
            f"offset {offset} is negative",
            [field_error("offset", "negative", "0, or the X-Next-Offset of the previous answer")],
        )
    try:  # a link a kernel put in place of its log is refused, never followed
        fd = confined.open_file(job.job_dir, "kernel.log")
    except (FileNotFoundError, confined.OutsideFolder):
        return "", 0
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if offset >= size:
            return "", size
        f.seek(offset)
        data = f.read(limit)
    return data.decode("utf-8", errors="replace"), offset + len(data)
