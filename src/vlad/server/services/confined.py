"""Reading files that kernels leave behind, without following them out of their folder.

A kernel controls what it writes: a `save/metrics/x.csv` or a dataset image may be a
symbolic link to `/etc/shadow`. Every file the platform serves from a job is opened one
path component at a time with `O_NOFOLLOW` from a folder the platform chose, so a link
anywhere below that folder is refused, and a link swapped in after a check changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


class OutsideFolder(Exception):
    """The path leaves its folder: `..`, an absolute path, a symbolic link, or not a regular file."""


def _parts(relative: str | os.PathLike[str]) -> list[str]:
    text = os.fspath(relative)
    if "\x00" in text or text.startswith("/"):
        raise OutsideFolder(f"{text!r} is not a relative path")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise OutsideFolder(f"{text!r} is not a path inside the folder")
    return parts


@contextlib.contextmanager
def _open_dir(root: Path, parts: list[str]) -> Iterator[int]:
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts:
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as e:
                raise OutsideFolder(f"{part!r} is not a folder inside {root} ({e.strerror})") from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def open_file(root: str | Path, relative: str | os.PathLike[str]) -> int:
    """A read-only file descriptor of `root/relative`, a regular file reached without links.

    Raises `OutsideFolder` for anything else (FileNotFoundError when it does not exist).
    """
    parts = _parts(relative)
    with _open_dir(Path(root), parts[:-1]) as dir_fd:
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=dir_fd)
        except FileNotFoundError:
            raise
        except OSError as e:  # ELOOP: the last component is a link
            raise OutsideFolder(f"{os.fspath(relative)!r} is not a regular file ({e.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutsideFolder(f"{os.fspath(relative)!r} is not a regular file")
    return fd


def read_bytes(root: str | Path, relative: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The content of `root/relative` (at most `limit` bytes), refusing links and non-files."""
    fd = open_file(root, relative)
    with os.fdopen(fd, "rb") as f:
        return f.read() if limit is None else f.read(limit)


def regular_files(folder: str | Path) -> list[str]:
    """Names of the regular files directly in `folder` (links and folders left out); [] if none."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError):
        return []


def folders(root: str | Path, relative: str | os.PathLike[str]) -> list[str]:
    """Names of the folders directly in `root/relative` (reached without links; links and
    files left out); [] when it is not such a folder."""
    try:
        with _open_dir(Path(root), _parts(relative)) as fd, os.scandir(fd) as entries:
            return sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    except (OutsideFolder, FileNotFoundError, NotADirectoryError):
        return []


def open_for_update(root: str | Path, relative: str | os.PathLike[str], create: bool = False) -> int:
    """A read-write file descriptor of `root/relative`, a regular file reached without links
    (created when `create`, readable by its owner only then). For the few files the platform
    writes into a kernel's folder once the kernel has ended: a link there is refused."""
    parts = _parts(relative)
    flags = os.O_RDWR | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0) | (os.O_CREAT if create else 0)
    with _open_dir(Path(root), parts[:-1]) as dir_fd:
        try:
            fd = os.open(parts[-1], flags, 0o600, dir_fd=dir_fd)
        except FileNotFoundError:
            raise
        except OSError as e:
            raise OutsideFolder(f"{os.fspath(relative)!r} is not a regular file ({e.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutsideFolder(f"{os.fspath(relative)!r} is not a regular file")
    return fd
