"""The rules about folders (SPEC sections 2 and 5): metric files, outputs, dataset, temp_path."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from pathlib import Path

from vlad.conformance.report import Check, verdict
from vlad.conformance.scenarios import Run
from vlad.contract.metrics import is_metric_file_name, parse_header
from vlad.contract.status import OUTCOME_FILE

Snapshot = dict[str, tuple[int, int]]  # relative path -> (size, mtime in ns)


def snapshot(folder: Path) -> Snapshot:
    """Every file under `folder`, by size and modification time, to see what a run changed."""
    found: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() or path.is_symlink():
            stat = path.lstat()
            found[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return found


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    added = [f"added {p}" for p in after if p not in before]
    removed = [f"removed {p}" for p in before if p not in after]
    changed = [f"changed {p}" for p in after if p in before and after[p] != before[p]]
    return added + removed + changed


def dataset_check(dataset: Path, before: Snapshot, runs: list[Run], after: list[Snapshot]) -> Check:
    """`after[i]` is the dataset's snapshot taken right after `runs[i]`."""
    problems = []
    previous = before
    for run, now in zip(runs, after, strict=True):
        found = changes(previous, now)
        if found:
            more = f" and {len(found) - 3} more" if len(found) > 3 else ""
            problems.append(f"{run.scenario}: in {dataset}: " + ", ".join(found[:3]) + more)
        previous = now
    return verdict("files.dataset_untouched", problems, f"{dataset} unchanged by every run")


def metrics_check(runs: list[Run]) -> Check:
    problems = [f"{run.scenario}: {p}" for run in runs for p in _metric_problems(run.write_path)]
    files = sum(len(_metric_files(run.write_path)) for run in runs)
    return verdict("files.metrics", problems, f"{files} metric file(s) parsed, in " + _names(runs))


def graphs_check(training: Run) -> Check:
    found = _metric_files(training.write_path)
    folder = training.write_path / "save" / "metrics"
    if found:
        return Check("files.graphs", True, f"{len(found)} graph(s) in {folder}", advice=True)
    return Check(
        "files.graphs", False, f"training wrote no metric file in {folder}: the platform draws no graph", True
    )


def output_check(runs: list[Run]) -> Check:
    problems = []
    for run in runs:
        if not _outputs(run.write_path):
            problems.append(
                f"{run.scenario}: no file in {run.write_path} besides save/metrics/ "
                f"(the {'result' if run.validation else 'model'} is missing)"
            )
    return verdict("files.output_written", problems, "written in " + _names(runs))


def temp_check(runs: list[Run]) -> Check:
    problems = [
        f"{run.scenario}: {run.config.temp_path} was removed by the kernel"
        for run in runs
        if not Path(run.config.temp_path).is_dir()
    ]
    return verdict("files.temp_path", problems, "left in place by " + _names(runs))


def _names(runs: list[Run]) -> str:
    return ", ".join(run.scenario for run in runs) or "no run"


def _metric_files(write_path: Path) -> list[Path]:
    folder = write_path / "save" / "metrics"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and is_metric_file_name(p.name))


def _outputs(write_path: Path) -> list[Path]:
    metrics = write_path / "save" / "metrics"
    return [
        p
        for p in write_path.rglob("*")
        if p.is_file() and metrics not in p.parents and p.name != OUTCOME_FILE
    ]


def _metric_problems(write_path: Path) -> Iterable[str]:
    for path in _metric_files(write_path):
        problem = metric_file_problem(path.read_bytes())
        if problem:
            yield f"{path}: {problem}"


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def metric_file_problem(data: bytes) -> str:
    """Why a metric file breaks SPEC section 5, or "" when it follows it. A partial last
    line (no newline yet) is not looked at, as the platform does."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]
    if not lines:
        return ""  # nothing written yet: no graph, no error
    header = parse_header(lines[0])
    if len(header) < 2 or not all(header):
        return f"line 1 {lines[0]!r} is not a header of field names (x axis, then one name per graph)"
    if all(_is_number(name) for name in header):
        return f"line 1 {lines[0]!r} holds numbers: the first line must name the fields"
    for number, cells in enumerate(csv.reader(lines[1:], skipinitialspace=True), start=2):
        cells = [c.strip() for c in cells]
        if not cells or not _is_number(cells[0]):
            return f"line {number} {lines[number - 1]!r}: the first column (x axis) is not a number"
        if len(cells) > len(header):
            line = lines[number - 1]
            return f"line {number} {line!r} has {len(cells)} columns; the header names {len(header)}"
    return ""
