"""Files of a job's folder that the web UI shows: the images of its staged dataset."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from vlad.server.models import Job
from vlad.server.services.errors import Invalid, NotFound, field_error

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".webp": "image/webp",
}


def dataset_image(job: Job, relative: str) -> tuple[Path, str]:
    """An image under the job's `dataset_path` (as annotations name it) and its media type.

    Only images, and only inside that folder: a path with `..` or a leading `/` is refused.
    """
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
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
    path = Path(job.job_dir, "dataset", *parts)
    if not path.is_file():
        raise NotFound(f"job {job.id} has no dataset file {relative!r}")
    return path, media_type
