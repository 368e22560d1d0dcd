"""Kernels uploaded as a .zip of their folder, unpacked into <data_dir>/kernels/<name>/<version>/."""

from __future__ import annotations

import json
import lzma
import re
import shutil
import zipfile
import zlib
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.contract.manifest import MANIFEST_FILE
from vlad.dlaas.archive import code_root
from vlad.server.models import Kernel
from vlad.server.services import archives
from vlad.server.services.access import Caller
from vlad.server.services.errors import Conflict, Invalid, field_error
from vlad.server.services.ids import new_id
from vlad.server.services.kernels import check_access, parse_manifest, register
from vlad.server.settings import Settings

UPLOAD = archives.Upload(
    "the kernel archive", f"a .zip of a kernel folder with {MANIFEST_FILE} at its root or in its only folder"
)
# Name and version become folders: nothing that could climb out or hide.
FOLDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")
MAX_MANIFEST_BYTES = 1024**2


def upload(
    session: Session,
    caller: Caller,
    archive: BinaryIO,
    settings: Settings,
    executor: str | None = None,
) -> Kernel:
    """Check, unpack and register an uploaded kernel folder, as `POST /kernels` with a path does.

    A member may upload only for an executor that sandboxes the kernel (see `check_access`).
    Refusals are 403, 409 or 422 at their field; a refused upload leaves no folder and no row."""
    limits = archives.Limits(
        settings.dlaas_max_unpacked_bytes, settings.archive_max_ratio, "VLAD_DLAAS_MAX_UNPACKED_BYTES"
    )
    infos = archives.check(archive, limits, UPLOAD)
    root, manifest = _manifest(archive, infos)
    parsed = parse_manifest(manifest)
    for field, value in (("name", parsed.name), ("version", parsed.version)):
        if not FOLDER_NAME.fullmatch(value) or value in (".", ".."):
            raise Invalid(
                f"the kernel's {field} {value!r} cannot name a folder",
                [
                    field_error(
                        f"{MANIFEST_FILE}.{field}", f"{value!r}", "letters, digits, '.', '_', '+', '-'"
                    )
                ],
            )
    # Nothing is written before the executor and the caller's role pass.
    pinned = check_access(caller, settings, path=None, executor=_known(executor))
    target = settings.kernels_dir / parsed.name / parsed.version
    taken = session.scalar(
        select(Kernel.id).where(
            Kernel.project_id == caller.project.id,
            Kernel.name == parsed.name,
            Kernel.version == parsed.version,
        )
    )
    if taken or target.exists():
        raise Conflict(
            f"kernel {parsed.name} {parsed.version} was uploaded already; upload a new version to change it",
            [field_error(f"{MANIFEST_FILE}.version", "taken", "a version not uploaded before")],
        )
    staging = settings.kernels_dir / f".incoming-{new_id('upload')}"
    archives.extract(archive, staging, limits, UPLOAD)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            (staging / root).rename(target)  # atomic: two uploads of one version cannot mix
        except OSError as exc:
            raise Conflict(f"kernel {parsed.name} {parsed.version} was uploaded already") from exc
        try:
            return register(session, caller.project, path=str(target), executor=pinned)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _known(executor: str | None) -> str | None:
    from vlad.executors import available_executors

    if executor is not None and executor not in available_executors():
        raise Invalid(
            f"unknown executor {executor!r}",
            [field_error("executor", f"unknown {executor!r}", ", ".join(available_executors()))],
        )
    return executor


def _manifest(archive: BinaryIO, infos: list[zipfile.ZipInfo]) -> tuple[str, dict[str, Any]]:
    """The folder inside the archive that holds kernel.json ("" for the root), and its content."""
    files = [i.filename.replace("\\", "/") for i in infos if not i.is_dir()]
    top = code_root(files) if files else ""
    candidates = [MANIFEST_FILE] + ([f"{top}/{MANIFEST_FILE}"] if top else [])
    found = next((i for i in infos if i.filename.replace("\\", "/") in candidates), None)
    if found is None:
        raise UPLOAD.refuse(
            f"no {MANIFEST_FILE}", f"holds no {MANIFEST_FILE} at its root or in its only folder"
        )
    if found.file_size > MAX_MANIFEST_BYTES:
        raise UPLOAD.refuse(f"{MANIFEST_FILE} is too large", f"has a {MANIFEST_FILE} over 1 MiB")
    try:
        with zipfile.ZipFile(archive) as zf:
            data = json.loads(zf.read(found))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UPLOAD.refuse(
            f"{MANIFEST_FILE} is not valid JSON", f"has a {MANIFEST_FILE} that is not JSON ({exc})"
        ) from exc
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError) as exc:
        raise UPLOAD.refuse(
            f"{MANIFEST_FILE} cannot be read", f"has a damaged {MANIFEST_FILE} ({exc})"
        ) from exc
    finally:
        archive.seek(0)
    if not isinstance(data, dict):
        raise UPLOAD.refuse(
            f"{MANIFEST_FILE} is not an object", f"has a {MANIFEST_FILE} that is not a JSON object"
        )
    parent = str(PurePosixPath(found.filename.replace("\\", "/")).parent)
    return ("" if parent == "." else parent), data
