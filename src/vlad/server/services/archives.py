"""Uploaded .zip archives (datasets, kernels): checked by the DLaaS archive rules, then unpacked.

The rules of `vlad.dlaas.archive`: a zip by its content, no absolute, `..` or symbolic-link
entries, a bound on the unpacked size; and here also a bound on the compression ratio, so a
small zip of gigabytes of zeros is refused before anything is written. A damaged entry or an
unsupported compression method is a refusal (422), and a refused archive leaves nothing behind.
"""

from __future__ import annotations

import lzma
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from vlad.dlaas.archive import _is_symlink, _unsafe, _what_it_is
from vlad.server.services.errors import Invalid, field_error

METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
# Below this many unpacked bytes the ratio is not checked: small text archives compress well.
RATIO_FLOOR = 64 * 1024**2
MAX_NAME_BYTES = 255


@dataclass(frozen=True)
class Limits:
    """How large an upload may unpack, and which setting raises the bound."""

    max_bytes: int
    max_ratio: float
    setting: str


@dataclass(frozen=True)
class Upload:
    """What an upload is called in refusals ("the dataset archive"), what is accepted instead,
    and the form field it came in."""

    what: str
    accepted: str
    field: str = "file"

    def refuse(self, problem: str, message: str) -> Invalid:
        return Invalid(
            f"{self.what} {message}; accepted: {self.accepted}",
            [field_error(self.field, problem, self.accepted)],
        )


def _size(handle: BinaryIO) -> int:
    handle.seek(0, 2)
    size = handle.tell()
    handle.seek(0)
    return size


def check(handle: BinaryIO, limits: Limits, upload: Upload) -> list[zipfile.ZipInfo]:
    """The archive's entries, once every rule holds; Invalid (422) naming the first broken one."""
    head = handle.read(512)
    handle.seek(0)
    if not head.startswith(b"PK") or not zipfile.is_zipfile(handle):
        raise upload.refuse("not a zip", f"is {_what_it_is(head)}, not a .zip")
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise upload.refuse("a damaged zip", f"is a damaged .zip ({exc})") from exc
    finally:
        handle.seek(0)
    total = 0
    for info in infos:
        name = info.filename
        why = _unsafe(name)
        if why:
            raise upload.refuse(f"entry {name!r} {why}", f"has an entry {name!r} that {why}")
        if _is_symlink(info):
            raise upload.refuse(f"entry {name!r} is a symbolic link", f"has a symbolic link {name!r}")
        if info.flag_bits & 0x1:
            raise upload.refuse(f"entry {name!r} is encrypted", f"has an encrypted entry {name!r}")
        if info.compress_type not in METHODS:
            methods = ", ".join(METHODS.values())
            raise upload.refuse(
                f"entry {name!r} uses compression method {info.compress_type}",
                f"has an entry {name!r} compressed with method {info.compress_type}, "
                f"which cannot be read (readable: {methods})",
            )
        if any(len(part.encode()) > MAX_NAME_BYTES for part in PurePosixPath(name.replace("\\", "/")).parts):
            raise upload.refuse(f"entry {name!r} has too long a name", "has a name longer than 255 bytes")
        total += info.file_size
    if total > limits.max_bytes:
        raise upload.refuse(
            f"unpacks to {total:,} bytes",
            f"unpacks to {total:,} bytes; the limit is {limits.max_bytes:,} ({limits.setting})",
        )
    packed = max(_size(handle), 1)
    if total > RATIO_FLOOR and total > packed * limits.max_ratio:
        raise upload.refuse(
            f"unpacks to {total / packed:,.0f} times its size",
            f"of {packed:,} bytes unpacks to {total:,} bytes, {total / packed:,.0f} times its size; "
            f"the limit is {limits.max_ratio:g} times (VLAD_ARCHIVE_MAX_RATIO)",
        )
    return infos


def extract(handle: BinaryIO, target: Path, limits: Limits, upload: Upload) -> list[str]:
    """Check, then unpack into `target` (created here, new); return the files' names.

    On any refusal or failure `target` is removed: nothing half-written stays."""
    infos = check(handle, limits, upload)
    declared = sum(i.file_size for i in infos)
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if declared > free:
        raise upload.refuse(
            f"unpacks to {declared:,} bytes", f"unpacks to {declared:,} bytes; the disk has {free:,} free"
        )
    target.mkdir(parents=True)
    try:
        return _unpack(handle, infos, target.resolve(), limits, upload)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _unpack(
    handle: BinaryIO, infos: list[zipfile.ZipInfo], root: Path, limits: Limits, upload: Upload
) -> list[str]:
    files, written = [], 0
    with zipfile.ZipFile(handle) as archive:
        for info in infos:
            dest = (root / info.filename.replace("\\", "/")).resolve()
            if not dest.is_relative_to(root):  # checked already; kept as the last word
                raise upload.refuse(f"entry {info.filename!r} leaves the folder", "has an entry outside it")
            try:
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, dest.open("xb") as out:
                    # Declared sizes can lie: count what is really written.
                    while chunk := src.read(1024 * 1024):
                        written += len(chunk)
                        if written > limits.max_bytes:
                            raise upload.refuse(
                                f"unpacks to more than {limits.max_bytes:,} bytes",
                                f"unpacks to more than {limits.max_bytes:,} bytes ({limits.setting})",
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError) as exc:
                if isinstance(exc, OSError) and not isinstance(
                    exc, (FileExistsError, IsADirectoryError, NotADirectoryError)
                ):
                    raise  # the disk, not the archive
                raise upload.refuse(
                    f"entry {info.filename!r} cannot be unpacked",
                    f"has an entry {info.filename!r} that cannot be unpacked ({exc})",
                ) from exc
            if (info.external_attr >> 16) & 0o100:  # keep scripts executable
                dest.chmod(dest.stat().st_mode | 0o111)
            files.append(info.filename.replace("\\", "/"))
    return files
