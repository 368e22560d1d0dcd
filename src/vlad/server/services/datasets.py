"""Datasets: folders in a training type's layout, registered or uploaded."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.server.models import Dataset, Project
from vlad.server.services import archives
from vlad.server.services.access import Caller, Forbidden, refuse_control_characters, require_admin
from vlad.server.services.errors import Conflict, Invalid, NotFound, field_error
from vlad.server.services.ids import new_id
from vlad.server.settings import Settings
from vlad.storage import ObjectStore, S3Location, StorageError

MAX_UPLOAD_BYTES = 20 * 1024**3
UPLOAD = archives.Upload("the dataset archive", "a .zip of the dataset folder")


def folder_stats(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _check_new(session: Session, project: Project, name: str) -> None:
    if not name.strip():
        raise Invalid("a dataset needs a name", [field_error("name", "empty", "a non-empty name")])
    if session.scalar(select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name)):
        raise Conflict(f"a dataset named {name!r} exists already in this project")


def register(
    session: Session,
    project: Project,
    name: str,
    training_type: str,
    location: str,
    description: str = "",
    *,
    caller: Caller | None = None,
    roots: list[Path] | None = None,
) -> Dataset:
    """Register a folder on the platform's machine (used where it is, never copied), or an
    `s3://bucket/prefix` (downloaded into each job that uses it).

    For an API `caller`, a server folder needs an admin token and must lie, once links and
    `..` are resolved, under one of `roots` (VLAD_DATASET_ROOTS). Without a caller (the
    platform's own bootstrap) neither is checked."""
    refuse_control_characters(location, "location", "a folder path or s3://bucket/prefix")
    _check_new(session, project, name)
    if location.startswith("s3://"):
        return _register_s3(session, project, name, training_type, location, description)
    folder = Path(location).expanduser().resolve()
    if caller is not None:
        require_admin(
            caller,
            "registering a dataset from a server folder",
            "it reads the platform's own disk; upload a .zip or register an s3:// location instead",
            "location",
        )
        check_under_roots(folder, location, roots or [])
    if not folder.is_dir():
        raise Invalid(
            f"dataset folder {location} does not exist",
            [field_error("location", "no such folder", "an existing folder")],
        )
    count, size = folder_stats(folder)
    if count == 0:
        raise Invalid(
            f"dataset folder {location} holds no files",
            [field_error("location", "empty folder", "a folder holding the dataset's files")],
        )
    return _add(
        session, project, new_id("dataset"), name, training_type, description, str(folder), count, size
    )


def _add(
    session: Session,
    project: Project,
    dataset_id: str,
    name: str,
    training_type: str,
    description: str,
    location: str,
    file_count: int,
    size_bytes: int,
) -> Dataset:
    dataset = Dataset(
        id=dataset_id,
        project_id=project.id,
        name=name,
        description=description,
        training_type=training_type,
        location=location,
        file_count=file_count,
        size_bytes=size_bytes,
    )
    session.add(dataset)
    session.flush()
    return dataset


def _register_s3(
    session: Session, project: Project, name: str, training_type: str, location: str, description: str
) -> Dataset:
    from vlad.server.settings import get_settings

    connection = get_settings().s3_connection()
    if connection is None:
        raise Invalid(
            "s3:// datasets need the platform's S3 settings: VLAD_S3_ENDPOINT_URL, "
            "VLAD_S3_ACCESS_KEY_ID and VLAD_S3_SECRET_ACCESS_KEY",
            [field_error("location", "no S3 connection is configured", "a folder path")],
        )
    try:
        url = S3Location.parse(location)
    except ValueError as exc:
        problem = field_error("location", "not an S3 location", "s3://bucket/prefix")
        raise Invalid(str(exc), [problem]) from exc
    session.commit()  # ends the token lookup's read transaction: no network call inside one
    store = ObjectStore(connection)
    try:
        store.check_bucket(url.bucket)
        objects = store.list(url)
    except StorageError as exc:
        raise Invalid(
            f"dataset location {url} cannot be read: {exc}",
            [field_error("location", exc.message, "an s3://bucket/prefix these settings can list")],
        ) from exc
    if not objects:
        raise Invalid(
            f"{url} holds no objects at {connection.endpoint_url}",
            [field_error("location", "empty", "a bucket and prefix holding the dataset's files")],
        )
    return _add(
        session,
        project,
        new_id("dataset"),
        name,
        training_type,
        description,
        str(url),
        len(objects),
        sum(o.size for o in objects),
    )


def check_under_roots(folder: Path, location: str, roots: list[Path]) -> None:
    """Refuse (403) a real path `folder` outside every root, naming the roots."""
    if any(folder == root or folder.is_relative_to(root) for root in roots):
        return
    listed = ", ".join(str(r) for r in roots)
    raise Forbidden(
        f"dataset folder {location}{'' if str(folder) == location else f' (really {folder})'} is outside "
        "the folders datasets may be "
        f"registered from: {listed} (setting VLAD_DATASET_ROOTS)",
        [field_error("location", "outside the dataset roots", f"a folder under {listed}")],
    )


def extract_upload(archive: BinaryIO, target: Path, limits: archives.Limits | None = None) -> None:
    """Unpack a .zip upload into `target` (new) by the DLaaS archive rules; Invalid (422) when
    one is broken, and then `target` is gone."""
    limits = limits or archives.Limits(MAX_UPLOAD_BYTES, 100.0, "VLAD_DATASET_MAX_UNPACKED_BYTES")
    archives.extract(archive, target, limits, UPLOAD)


def upload(
    session: Session,
    project: Project,
    name: str,
    training_type: str,
    archive: BinaryIO,
    settings: Settings,
    description: str = "",
) -> Dataset:
    """Register an uploaded .zip of a dataset folder, unpacked under the settings' datasets_dir
    within their limits (`VLAD_DATASET_MAX_UNPACKED_BYTES`, `VLAD_ARCHIVE_MAX_RATIO`)."""
    _check_new(session, project, name)
    limits = archives.Limits(
        settings.dataset_max_unpacked_bytes, settings.archive_max_ratio, "VLAD_DATASET_MAX_UNPACKED_BYTES"
    )
    dataset_id = new_id("dataset")
    target = settings.datasets_dir / dataset_id
    extract_upload(archive, target, limits)
    try:
        entries = list(target.iterdir())
        # A zip of one folder: use that folder as the dataset's root.
        root = entries[0] if len(entries) == 1 and entries[0].is_dir() else target
        count, size = folder_stats(root)
        if count == 0:
            raise UPLOAD.refuse("no files", "holds no files")
        return _add(session, project, dataset_id, name, training_type, description, str(root), count, size)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def list_datasets(session: Session, project: Project, training_type: str | None = None) -> list[Dataset]:
    query = select(Dataset).where(Dataset.project_id == project.id)
    if training_type:
        query = query.where(Dataset.training_type == training_type)
    return list(session.scalars(query.order_by(Dataset.name)))


def get(session: Session, project: Project, ref: str) -> Dataset:
    """A dataset by id or by name."""
    dataset = session.get(Dataset, ref)
    if dataset is None or dataset.project_id != project.id:
        dataset = session.scalar(select(Dataset).where(Dataset.project_id == project.id, Dataset.name == ref))
    if dataset is None:
        raise NotFound(f"no dataset {ref!r} in this project")
    return dataset
