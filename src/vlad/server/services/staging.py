"""Putting a job's datasets where its kernel reads them: `<dataset_path>/<role>/...`.

Each dataset of a role (train, val) is linked file by file into `dataset_path/<role>/`.
A dataset that has a folder named after the role (`train/`, `val/`) gives that folder;
otherwise all of it. The links are hard links to the dataset's read-only snapshot (see
`snapshots`): regular files, mode 0444, the registered files' own; nothing is copied per
job, and no link in a job's folder needs following. Staging costs a listing of the
dataset and one link per file, whatever the files' sizes.

The role `all` (auto-labeling, which labels a whole dataset) keeps a dataset's split
folders as they are (`train/`, `val/`, `test/`); a dataset without them goes to `val/`.

A dataset registered as `s3://bucket/prefix` is downloaded instead, by the same rules: the
objects under `<prefix>/<role>/` when there are any, else all of them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from vlad.server.services import snapshots
from vlad.storage import ObjectStore, Progress, S3Location

# (dataset name, s3:// location, role, target folder) -> files downloaded
S3Fetch = Callable[[str, str, str, Path], int]


SPLITS = ("train", "val", "test")


def download_s3(
    store: ObjectStore, url: str, role: str, target: Path, progress: Progress | None = None
) -> int:
    """Download for `role` into `target` (= `dataset_path/<role>`)."""
    location = S3Location.parse(url)
    if role == "all":
        splits = [s for s in SPLITS if store.list(location.child(s))]
        if not splits:
            return store.download(location, target.parent / "val", progress)[0]
        return sum(store.download(location.child(s), target.parent / s, progress)[0] for s in splits)
    by_role = location.child(role)
    files, _ = store.download(by_role if store.list(by_role) else location, target, progress)
    return files


def _roots(folder: Path, role: str) -> list[tuple[Path, str]]:
    """(source folder, target role folder) pairs for one local dataset."""
    if role == "all":
        return [(folder / s, s) for s in SPLITS if (folder / s).is_dir()] or [(folder, "val")]
    return [(folder / role if (folder / role).is_dir() else folder, role)]


def snapshots_dir(dataset_path: Path) -> Path:
    """`<data_dir>/snapshots`, for a job's `<data_dir>/jobs/<id>/dataset`."""
    return Path(dataset_path).parent.parent.parent / "snapshots"


def stage(
    sources: list[tuple[str, Path | str, str]],
    dataset_path: Path,
    fetch_s3: S3Fetch | None = None,
    snapshot_root: Path | None = None,
) -> int:
    """Stage (dataset name, folder or s3:// location, role) triples; returns the number of
    files staged. Folders are staged from their snapshots under `snapshot_root` (default:
    `snapshots_dir(dataset_path)`)."""
    root = snapshot_root or snapshots_dir(dataset_path)
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
        with snapshots.snapshot(Path(location), root) as files:
            for folder, into in _roots(files, role):
                count += _link_all(name, folder, dataset_path / into)
    return count


def _link_all(name: str, folder: Path, into: Path) -> int:
    count = 0
    for parent, _, names in os.walk(folder):
        relative = Path(parent).relative_to(folder)
        (into / relative).mkdir(parents=True, exist_ok=True)
        for file in sorted(names):
            target = into / relative / file
            if os.path.lexists(target):  # the same file name in two datasets of one role
                target = target.with_name(f"{name}__{file}")
            snapshots.place(Path(parent, file), target)
            count += 1
    return count
