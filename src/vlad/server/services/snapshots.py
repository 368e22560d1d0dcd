"""Read-only snapshots of registered dataset folders, shared by every job that uses them.

A registered dataset must stay as it was registered, whatever a kernel does, and must not
be copied per job (datasets run to hundreds of GB). So each dataset folder gets one
snapshot, `<data_dir>/snapshots/<key>/files/`, built once: every file hard-linked (copied
only where a link cannot be made: another file system, or a file of someone else's that
the platform could still write), files mode 0444, folders 0555. Jobs hard-link from it.

The snapshot's files are the dataset's own inodes: making them 0444 makes the registered
files read-only too, which is the point. A kernel that is not root, and does not own the
files, cannot change them. A kernel running as root, or as the files' owner, can (it may
chmod them back): the local executor's kernels are trusted; the container executors mount
the job's dataset read-only.

Only files inside the dataset's folder are taken: a file that is a link is followed only
when its target lies inside that folder; links to folders are not followed.

Rebuilt when the source changes: the snapshot keeps a manifest of (path, size, mtime) of
the source's files; a job whose listing differs rebuilds it. Jobs staged from the old one
keep their own links to its files, so the old snapshot can go at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

FILE_MODE, FOLDER_MODE = 0o444, 0o555
MANIFEST = "manifest.json"
# (path relative to the dataset folder, size, mtime in ns); the real file it came from.
Entry = tuple[str, int, int]


def key_of(folder: Path | str) -> str:
    """The snapshot's folder name for a dataset folder (its real path)."""
    return hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:24]


def listing(folder: Path) -> tuple[list[str], list[tuple[Entry, str]]]:
    """The folders and files of a dataset folder, as staged: regular files, and links to
    regular files inside it; nothing reached through a link to a folder."""
    folder = folder.resolve()
    folders: list[str] = []
    files: list[tuple[Entry, str]] = []
    pending = [("", str(folder))]
    while pending:
        relative, path = pending.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                rel = f"{relative}{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    folders.append(rel)
                    pending.append((rel + "/", entry.path))
                    continue
                real = entry.path
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if not Path(real).is_relative_to(folder):
                        continue  # a link out of the dataset is never staged
                try:
                    info = os.stat(real, follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    files.append(((rel, info.st_size, info.st_mtime_ns), real))
    files.sort()
    return sorted(folders), files


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def snapshot(folder: Path | str, root: Path) -> Iterator[Path]:
    """The read-only snapshot of dataset folder `folder` under `root` (built or rebuilt when
    its files changed), held for the duration of the `with`: link from it inside."""
    folder = Path(folder).resolve()
    key = key_of(folder)
    home = root / key
    with _locked(root / f"{key}.lock"):
        folders, files = listing(folder)
        manifest = {"source": str(folder), "files": [list(entry) for entry, _ in files]}
        try:
            current = json.loads((home / MANIFEST).read_text())
        except (OSError, ValueError):
            current = None
        if current != manifest:
            _build(home, folders, files, manifest)
        yield home / "files"


def _build(home: Path, folders: list[str], files: list[tuple[Entry, str]], manifest: dict) -> None:
    building = home.with_name(f".{home.name}.{uuid.uuid4().hex}")
    target = building / "files"
    target.mkdir(parents=True)
    for rel in folders:
        (target / rel).mkdir(parents=True, exist_ok=True)
    for (rel, _, _), real in files:
        place(Path(real), target / rel)
    for path, _, _ in os.walk(target, topdown=False):
        os.chmod(path, FOLDER_MODE)
    (building / MANIFEST).write_text(json.dumps(manifest))
    old = home.with_name(f".{home.name}.old.{uuid.uuid4().hex}")
    if home.exists():
        home.rename(old)
    building.rename(home)
    remove_tree(old)


def place(source: Path, target: Path) -> None:
    """`target` as a read-only hard link to `source`; a read-only copy where no link can be
    made, or where the link would stay writable (someone else's file that we may write)."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:  # another file system, too many links, or protected_hardlinks
        _copy(source, target)
        return
    if os.stat(target).st_mode & 0o222:
        try:
            os.chmod(target, FILE_MODE)
        except PermissionError:
            if os.access(target, os.W_OK):
                target.unlink()
                _copy(source, target)


def _copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    os.chmod(target, FILE_MODE)


def remove_tree(path: Path) -> None:
    """Remove a snapshot (its folders are read-only); a missing one is fine."""
    if not path.exists():
        return
    for folder, _, _ in os.walk(path):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o755)
    shutil.rmtree(path, ignore_errors=True)
