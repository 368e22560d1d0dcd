"""Staging time of a 10,000-file dataset into a job: before (hard links straight from the
registered folder, writable by kernels) and after (one read-only snapshot per dataset,
hard-linked into each job). Run for small and large files: it must not grow with bytes."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vlad.server.services import snapshots
from vlad.server.services.staging import stage

FILES = 10_000
SIZES = {"1 KiB": 1024, "1 MiB": 1024**2}  # sparse files: the same cost to write either way


def make_dataset(folder: Path, size: int) -> None:
    for i in range(FILES):
        label = folder / "train" / f"class-{i % 10}"
        label.mkdir(parents=True, exist_ok=True)
        with (label / f"{i}.png").open("wb") as f:
            f.truncate(size)


def before(source: Path, dataset_path: Path) -> None:
    """The staging this replaced: one hard link per file, straight from the source."""
    root = source / "train"
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        target = dataset_path / "train" / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)


def timed(run: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    run(*args)
    return time.perf_counter() - started


def main() -> None:
    for label, size in SIZES.items():
        data = Path(tempfile.mkdtemp(prefix="vlad-bench-staging-"))
        try:
            source = data / "datasets" / "big"
            make_dataset(source, size)
            jobs = [data / "jobs" / f"model-{n}" / "dataset" for n in range(4)]
            for job in jobs:
                job.mkdir(parents=True)
            old = timed(before, source, jobs[0])
            sources = [("big", source, "train")]
            first, second, third = (timed(stage, sources, job) for job in jobs[1:])
            print(
                f"{FILES} files of {label}: before {old:.2f}s; after: first job (builds the snapshot) "
                f"{first:.2f}s, next jobs (reuse it) {second:.2f}s, {third:.2f}s"
            )
        finally:
            snapshots.remove_tree(data)
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
