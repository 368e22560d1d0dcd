"""The model definition: a .zip of training code, checked before it is accepted and unpacked safely.

Standard library only: the command kernel unpacks with the same code that the platform
checked the upload with.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

# How other archive formats start, to say what was sent instead of a .zip.
SIGNATURES = (
    (b"\x1f\x8b", "a gzip file (.gz / .tar.gz)"),
    (b"BZh", "a bzip2 file"),
    (b"\xfd7zXZ\x00", "an xz file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
ACCEPTED = "a .zip of the training code, e.g. made with `zip -r model.zip *.py`"


class ArchiveError(ValueError):
    """The model definition was refused; the text says why and what is accepted."""


@dataclass(frozen=True)
class ArchiveSummary:
    files: list[str]
    unpacked_bytes: int


def _what_it_is(head: bytes) -> str:
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    if len(head) > 262 and head[257:262] == b"ustar":
        return "a tar archive"
    return "not a zip archive"


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _unsafe(name: str) -> str | None:
    """Why an entry's name could write outside the folder it is unpacked into, if it could."""
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "climbs out of the folder with '..'"
    return None


def check_zip(source: BinaryIO | Path, max_bytes: int) -> ArchiveSummary:
    """Check a model definition without unpacking it; raises ArchiveError."""
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        head = handle.read(512)
        handle.seek(0)
        if not head.startswith(b"PK") or not zipfile.is_zipfile(handle):
            raise ArchiveError(
                f"the model definition is {_what_it_is(head)}, not a .zip; accepted: {ACCEPTED}"
            )
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
            raise ArchiveError(
                f"the model definition is a damaged .zip ({exc}); accepted: {ACCEPTED}"
            ) from exc
    finally:
        if isinstance(source, Path):
            handle.close()
        else:
            handle.seek(0)
    total, files = 0, []
    for info in infos:
        why = _unsafe(info.filename)
        if why:
            raise ArchiveError(
                f"the model definition's entry {info.filename!r} {why}; "
                "accepted: entries with relative paths inside the archive"
            )
        if _is_symlink(info):
            raise ArchiveError(
                f"the model definition's entry {info.filename!r} is a symbolic link; "
                "accepted: regular files and folders only"
            )
        if info.flag_bits & 0x1:
            raise ArchiveError(
                f"the model definition's entry {info.filename!r} is encrypted; accepted: plain entries"
            )
        if not info.is_dir():
            files.append(info.filename)
            total += info.file_size
    if total > max_bytes:
        raise ArchiveError(
            f"the model definition unpacks to {total:,} bytes; the limit is {max_bytes:,} bytes "
            "(setting VLAD_DLAAS_MAX_UNPACKED_BYTES): leave the data out of the .zip, in the data bucket"
        )
    if not files:
        raise ArchiveError(f"the model definition holds no files; accepted: {ACCEPTED}")
    return ArchiveSummary(files, total)


def code_root(files: list[str]) -> str:
    """The folder the program runs in: the archive's root, or its only top-level folder."""
    tops = {PurePosixPath(name.replace("\\", "/")).parts[0] for name in files}
    if len(tops) == 1:
        (top,) = tops
        if all("/" in name.replace("\\", "/") for name in files):
            return top
    return ""


def unpack(archive_path: Path, target: Path, max_bytes: int) -> Path:
    """Check and unpack into `target`; return the folder the program runs in."""
    summary = check_zip(archive_path, max_bytes)
    root = target.resolve()
    written = 0
    with zipfile.ZipFile(archive_path) as archive:
        for info in archive.infolist():
            dest = (root / info.filename.replace("\\", "/")).resolve()
            if not dest.is_relative_to(root):  # checked already; kept as the last word
                raise ArchiveError(f"the entry {info.filename!r} would be written outside {root}")
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, dest.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
                written += out.tell()
            if written > max_bytes:
                raise ArchiveError(f"the model definition unpacks to more than {max_bytes:,} bytes")
            mode = (info.external_attr >> 16) & 0o777
            if mode & 0o100:  # keep scripts executable
                dest.chmod(dest.stat().st_mode | 0o111)
    return root / code_root(summary.files)
