"""Putting a job's datasets where its kernel reads them: `<dataset_path>/<role>/...`.

Each dataset of a role (train, val) is linked file by file into `dataset_path/<role>/`.
A dataset that has a folder named after the role (`train/`, `val/`) gives that folder;
otherwise all of it. Hard links cost nothing and work inside containers; across file
systems the files are copied.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def stage(sources: list[tuple[str, Path, str]], dataset_path: Path) -> int:
    """Stage (dataset name, folder, role) triples; returns the number of files staged."""
    count = 0
    for name, folder, role in sources:
        root = folder / role if (folder / role).is_dir() else folder
        for source in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = source.relative_to(root)
            target = dataset_path / role / relative
            if target.exists():  # the same file name in two datasets of one role
                target = target.with_name(f"{name}__{target.name}")
            _link_or_copy(source, target)
            count += 1
    return count
