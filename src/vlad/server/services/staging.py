"""Putting a job's datasets where its kernel reads them: `<dataset_path>/<role>/...`.

Each dataset of a role (train, val) is linked file by file into `dataset_path/<role>/`.
A dataset that has a folder named after the role (`train/`, `val/`) gives that folder;
otherwise all of it. Hard links cost nothing and work inside containers; across file
systems the files are copied.

A dataset registered as `s3://bucket/prefix` is downloaded instead, by the same rule: the
objects under `<prefix>/<role>/` when there are any, else all of them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from vlad.storage import ObjectStore, Progress, S3Location

# (dataset name, s3:// location, role, target folder) -> files downloaded
S3Fetch = Callable[[str, str, str, Path], int]


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def download_s3(
    store: ObjectStore, url: str, role: str, target: Path, progress: Progress | None = None
) -> int:
    location = S3Location.parse(url)
    by_role = location.child(role)
    files, _ = store.download(by_role if store.list(by_role) else location, target, progress)
    return files


def stage(
    sources: list[tuple[str, Path | str, str]], dataset_path: Path, fetch_s3: S3Fetch | None = None
) -> int:
    """Stage (dataset name, folder or s3:// location, role) triples; returns the number of files staged."""
    count = 0
    for name, location, role in sources:
        if str(location).startswith("s3://"):
            if fetch_s3 is None:
                raise ValueError(
                    f"dataset {name} is in object storage ({location}) but the platform has no S3 "
                    "connection: set VLAD_S3_ENDPOINT_URL, VLAD_S3_ACCESS_KEY_ID, VLAD_S3_SECRET_ACCESS_KEY"
                )
            count += fetch_s3(name, str(location), role, dataset_path / role)
            continue
        folder = Path(location)
        root = folder / role if (folder / role).is_dir() else folder
        for source in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = source.relative_to(root)
            target = dataset_path / role / relative
            if target.exists():  # the same file name in two datasets of one role
                target = target.with_name(f"{name}__{target.name}")
            _link_or_copy(source, target)
            count += 1
    return count
