"""Staging: a registered dataset is immutable to kernels, shared by jobs, never copied per job."""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from vlad.server.services import snapshots
from vlad.server.services.staging import stage

NOBODY = 65534


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data folder that a user other than ours can walk through (for the kernel below)."""
    folder = Path(tempfile.mkdtemp(prefix="vlad-staging-"))
    folder.chmod(0o755)
    yield folder
    snapshots.remove_tree(folder)


@pytest.fixture
def dataset(data_dir: Path) -> Path:
    folder = data_dir / "datasets" / "cats"
    for split, label in (("train", "cat"), ("train", "dog"), ("val", "cat")):
        (folder / split / label).mkdir(parents=True, exist_ok=True)
        (folder / split / label / "1.png").write_bytes(f"{split}/{label}".encode())
    return folder


def job(data_dir: Path, job_id: str, dataset: Path, role: str = "train") -> Path:
    dataset_path = data_dir / "jobs" / job_id / "dataset"
    dataset_path.mkdir(parents=True)
    stage([("cats", dataset, role)], dataset_path)
    return dataset_path


def test_staged_files_are_read_only_and_shared_by_every_job(data_dir: Path, dataset: Path) -> None:
    first, second = job(data_dir, "model-1", dataset), job(data_dir, "model-2", dataset)
    assert sorted(p.name for p in (second / "train").iterdir()) == ["cat", "dog"]
    one, two = first / "train" / "cat" / "1.png", second / "train" / "cat" / "1.png"
    assert one.read_bytes() == b"train/cat"
    assert not one.is_symlink() and stat.S_IMODE(one.stat().st_mode) == 0o444
    [snapshot] = [p for p in (data_dir / "snapshots").iterdir() if p.is_dir()]
    files = snapshot / "files"
    assert stat.S_IMODE(files.stat().st_mode) == 0o555
    assert stat.S_IMODE((files / "train" / "cat").stat().st_mode) == 0o555
    # One snapshot, reused: both jobs' files are its files, which are the dataset's own.
    assert one.stat().st_ino == two.stat().st_ino == (files / "train" / "cat" / "1.png").stat().st_ino
    assert one.stat().st_ino == (dataset / "train" / "cat" / "1.png").stat().st_ino


def test_the_snapshot_is_built_once(data_dir: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []
    build = snapshots._build
    monkeypatch.setattr(snapshots, "_build", lambda home, *a: (builds.append(home), build(home, *a)))
    for n in range(3):
        job(data_dir, f"model-{n}", dataset)
    assert len(builds) == 1


def test_a_kernel_appending_to_a_staged_file_does_not_change_the_dataset(
    data_dir: Path, dataset: Path
) -> None:
    # The kernel runs as the files' owner, who could write them before they were registered;
    # not as root (a root kernel of the local executor is trusted: see README).
    user: dict = {}
    if os.geteuid() == 0:
        user = {"user": NOBODY}
        for path in dataset.rglob("*"):
            os.chown(path, NOBODY, NOBODY)
    staged = job(data_dir, "model-1", dataset) / "train" / "dog" / "1.png"
    kernel = ["sh", "-c", 'printf poisoned >> "$1"', "kernel", str(staged)]
    result = subprocess.run(kernel, capture_output=True, text=True, **user)
    assert result.returncode != 0 and "Permission denied" in result.stderr
    assert (dataset / "train" / "dog" / "1.png").read_bytes() == b"train/dog"


def test_a_changed_dataset_gets_a_new_snapshot_and_running_jobs_keep_theirs(
    data_dir: Path, dataset: Path
) -> None:
    before = job(data_dir, "model-1", dataset)
    (dataset / "train" / "cat" / "2.png").write_bytes(b"new")
    after = data_dir / "jobs" / "model-2" / "dataset"
    after.mkdir(parents=True)
    assert stage([("cats", dataset, "train")], after) == 3
    assert (after / "train" / "cat" / "2.png").read_bytes() == b"new"
    assert not (before / "train" / "cat" / "2.png").exists()
    assert (before / "train" / "cat" / "1.png").read_bytes() == b"train/cat"  # still there
    assert len([p for p in (data_dir / "snapshots").iterdir() if p.is_dir()]) == 1  # the old one gone


def test_links_out_of_the_dataset_are_not_staged(data_dir: Path, dataset: Path) -> None:
    (dataset / "val" / "cat" / "leak.png").symlink_to("/etc/passwd")
    (dataset / "val" / "cat" / "escape").symlink_to("/etc", target_is_directory=True)
    (dataset / "val" / "cat" / "same.png").symlink_to(dataset / "train" / "dog" / "1.png")
    staged = job(data_dir, "model-1", dataset, role="val").joinpath("val", "cat")
    names = sorted(p.name for p in staged.iterdir())
    assert names == ["1.png", "same.png"]  # a link inside the dataset is staged as its target
    assert (staged / "same.png").read_bytes() == b"train/dog"
    assert not any(p.is_symlink() for p in staged.iterdir())


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("train", {"train/cat/1.png", "train/dog/1.png"}),
        ("val", {"val/cat/1.png"}),
        ("all", {"train/cat/1.png", "train/dog/1.png", "val/cat/1.png"}),
    ],
)
def test_roles_pick_their_split(data_dir: Path, dataset: Path, role: str, expected: set[str]) -> None:
    dataset_path = data_dir / "jobs" / "model-1" / "dataset"
    dataset_path.mkdir(parents=True)
    stage([("cats", dataset, role)], dataset_path)
    found = {p.relative_to(dataset_path).as_posix() for p in dataset_path.rglob("*") if p.is_file()}
    assert found == expected


def test_two_datasets_of_one_role_keep_both_files(data_dir: Path, dataset: Path) -> None:
    other = data_dir / "datasets" / "dogs" / "train" / "cat"
    other.mkdir(parents=True)
    (other / "1.png").write_bytes(b"other")
    dataset_path = data_dir / "jobs" / "model-1" / "dataset"
    dataset_path.mkdir(parents=True)
    stage([("cats", dataset, "train"), ("dogs", other.parent.parent, "train")], dataset_path)
    assert (dataset_path / "train" / "cat" / "dogs__1.png").read_bytes() == b"other"
