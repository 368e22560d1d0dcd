"""Files of a job's folder that the web UI shows: the images of its staged dataset.

The job's dataset folder is the kernel's to read, and on the local executor to write: an
entry there may be a link a kernel planted (`val/leak.png -> /etc/shadow`). Images are
opened through `confined`: one path component at a time, links refused, so only a regular
file inside the dataset folder is ever served. Staged files are hard links to the dataset's
read-only snapshot (see staging), regular files, so thumbnails need no link followed.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import BinaryIO

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
