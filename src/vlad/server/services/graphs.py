"""Training graphs: the metric log files under `<model_write_path>/save/metrics/`.

Every regular file there is a graph, named after its file name without the extension
(SPEC section 5). When two files share a stem (`loss.csv` and `loss.log`), both are shown,
each under its whole file name. Links are never followed: a kernel cannot make the
platform read a file outside its folder.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO

from vlad.contract.metrics import (
    MetricSeries,
    graph_name,
    is_metric_file_name,
    parse_header,
    parse_metric_csv,
)
from vlad.server.services import confined
from vlad.server.services.errors import Invalid, NotFound, field_error
from vlad.server.services.metric_series import keep_extremes, parse_plain_csv

log = logging.getLogger("vlad.graphs")
METRICS = Path("save") / "metrics"
MIN_POINTS, MAX_POINTS = 2, 100_000  # max_points: first and last, up to a long run's every row
CACHED_POINTS = 10_000  # thinned answers up to this long are kept (the web UI asks for 2000)


def metrics_dir(write_path: str | Path) -> Path:
    return Path(write_path) / METRICS


def graph_files(write_path: str | Path) -> dict[str, str]:
    """Graph name -> file name, for every metric log file of a job's output."""
    files = [f for f in confined.regular_files(metrics_dir(write_path)) if is_metric_file_name(f)]
    stems: dict[str, list[str]] = {}
    for file in files:
        stems.setdefault(graph_name(file), []).append(file)
    named: dict[str, str] = {}
    for stem, same in stems.items():
        for file in same:
            named[stem if len(same) == 1 else file] = file
    return dict(sorted(named.items()))


def graph_names(write_path: str | Path) -> list[str]:
    return list(graph_files(write_path))


def read_graph(
    write_path: str | Path, name: str, offset: int = 0, max_points: int | None = None
) -> dict[str, Any]:
    """One graph's series; from `offset` on, only the rows appended since (for live drawing).

    With `max_points`, rows beyond it are thinned on the server (`keep_extremes`): the answer
    says `downsampled` and how many rows there were (`total_points`); the full file is the
    download route's. None sends every row: the API's default, so that existing clients keep
    getting all their data (the web UI asks for 2000). `offset` is the end of the rows read
    whether or not they were thinned, so polling with it goes on with only the new rows.
    """
    if offset < 0:
        raise Invalid(
            f"offset {offset} is negative",
            [field_error("offset", "negative", "0, or the offset of the previous answer")],
        )
    if max_points is not None and not MIN_POINTS <= max_points <= MAX_POINTS:
        raise Invalid(
            f"max_points {max_points} is out of range",
            [field_error("max_points", str(max_points), f"{MIN_POINTS} to {MAX_POINTS}")],
        )
    file = graph_file(write_path, name)
    try:
        fd = confined.open_file(write_path, METRICS / file)
    except (confined.OutsideFolder, FileNotFoundError):
        raise NotFound(f"graph {name!r} is no longer a regular file of this job") from None
    with os.fdopen(fd, "rb") as opened:
        info = os.fstat(opened.fileno())
        # The same file unchanged (an ended run's) is thinned once, not on every view.
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, name, max_points)
        if offset == 0 and max_points is not None and (answer := _thinned.get(key)):
            return answer
        data = opened.read()
    header = None
    if offset > len(data):  # the file was rewritten: start over
        offset = 0
    if offset:
        header = parse_header(data.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff"))
    boundaries = read_boundaries(write_path).get(file, []) if offset == 0 else []
    series = _across_attempts(name, data, boundaries) if boundaries else _parse(name, data, offset, header)
    answer = _answer(series, max_points)
    if offset == 0 and answer["downsampled"] and len(answer["x"]) <= CACHED_POINTS:
        _thinned.put(key, answer)
    return answer


def _parse(name: str, data: bytes, offset: int = 0, header: list[str] | None = None) -> MetricSeries:
    return parse_plain_csv(name, data, offset, header) or parse_metric_csv(
        name, data, offset=offset, header=header
    )


def _across_attempts(name: str, data: bytes, boundaries: list[int]) -> MetricSeries:
    """A graph a restarted job went on writing: each attempt's rows follow the last one's,
    and an earlier attempt's rows at or past the x where the next one begins again are
    superseded (they were trained from a state the next attempt did not continue).
    `boundaries`: where each later attempt began; one that is not at a row's start is ignored."""
    cuts = [b for b in boundaries if 0 < b < len(data) and data[b - 1 : b] == b"\n"]
    first = _parse(name, data[: cuts[0]] if cuts else data)
    if not cuts or not first.x:
        return _parse(name, data)
    header = [first.x_name, *first.series]
    merged = first
    for start, end in zip(cuts, [*cuts[1:], len(data)], strict=True):
        part = _parse(name, data[:end], start, header)
        if not part.x:
            continue
        keep = [i for i, x in enumerate(merged.x) if x < part.x[0]]
        merged = MetricSeries(
            name=name,
            x_name=merged.x_name,
            x=[merged.x[i] for i in keep] + part.x,
            series={
                c: [v[i] for i in keep] + part.series.get(c, [None] * len(part.x))
                for c, v in merged.series.items()
            },
        )
    merged.offset = data.rfind(b"\n") + 1  # every whole row read: live polling goes on from here
    return merged


def _answer(series: MetricSeries, max_points: int | None) -> dict[str, Any]:
    x, columns, total = series.x, series.series, len(series.x)
    if max_points is not None and total > max_points:
        keep = keep_extremes(total, list(columns.values()), max_points)
        x = [x[i] for i in keep]
        columns = {column: [values[i] for i in keep] for column, values in columns.items()}
    return {
        "name": series.name,
        "x_name": series.x_name,
        "x": x,
        "series": columns,
        "offset": series.offset,
        "total_points": total,
        "downsampled": len(x) < total,
    }


class _Recent:
    """The last few thinned answers, newest kept; thread-safe. An answer is shared: never changed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, Any] | None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
            return None

    def put(self, key: tuple[Any, ...], answer: dict[str, Any]) -> None:
        with self.lock:
            self.items[key] = answer
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_thinned = _Recent(32)


def graph_file(write_path: str | Path, name: str) -> str:
    """The file name of graph `name` under the metrics folder; NotFound naming those there are."""
    files = graph_files(write_path)
    if name not in files:
        raise NotFound(f"no graph {name!r}; this job has {sorted(files)}")
    return files[name]


def open_graph(write_path: str | Path, name: str) -> tuple[BinaryIO, str]:
    """Graph `name`'s whole file, opened without following links, and its file name."""
    file = graph_file(write_path, name)
    try:
        fd = confined.open_file(write_path, METRICS / file)
    except (confined.OutsideFolder, FileNotFoundError):
        raise NotFound(f"graph {name!r} is no longer a regular file of this job") from None
    return os.fdopen(fd, "rb"), file


def final_metrics(write_path: str | Path) -> dict[str, float]:
    """The last value of every series, as `graph.column`."""
    final: dict[str, float] = {}
    for name in graph_names(write_path):
        try:
            graph = read_graph(write_path, name)
        except NotFound:  # vanished or replaced by a link between listing and reading
            continue
        for column, values in graph["series"].items():
            last = next((v for v in reversed(values) if v is not None), None)
            if last is not None:
                final[f"{name}.{column}"] = last
    return final


# -- a restarted job's graphs: where each attempt began ------------------------------------------
# Written by the platform beside the graphs, when an attempt begins: per metric file, its
# size then. Rows of an earlier attempt at or past the x where the next one starts again
# are superseded (`_across_attempts`). Hidden, so never a graph itself.
BOUNDARIES_FILE = ".vlad-attempts.json"
BOUNDARIES_LIMIT = 256 * 1024


def read_boundaries(output: str | Path) -> dict[str, list[int]]:
    """{metric file name: the sizes it had when each later attempt began}; {} when none or
    when the file is not what the platform writes (a kernel may have replaced it)."""
    try:
        data = confined.read_bytes(output, METRICS / BOUNDARIES_FILE, BOUNDARIES_LIMIT + 1)
        raw = json.loads(data) if len(data) <= BOUNDARIES_LIMIT else None
    except (OSError, confined.OutsideFolder, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        name: sorted(sizes)
        for name, sizes in raw.items()
        if isinstance(name, str)
        and isinstance(sizes, list)
        and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)
    }


def mark_attempt_start(output: str | Path) -> None:
    """Before the next attempt starts (the last one has ended): cut each metric file's row
    left halfway (the next attempt's rows must start on a line of their own), and record
    where each file ends now. Nothing here follows a link the kernel may have left."""
    boundaries = read_boundaries(output)
    for name in confined.regular_files(Path(output) / METRICS):
        if not is_metric_file_name(name):
            continue
        try:
            size = _cut_partial_row(output, METRICS / name)
        except (OSError, confined.OutsideFolder) as exc:
            log.warning("metric file %s left as it is: %s", name, exc)
            continue
        if size and size not in boundaries.get(name, []):
            boundaries.setdefault(name, []).append(size)
    if not boundaries:
        return
    try:
        fd = confined.open_for_update(output, METRICS / BOUNDARIES_FILE, create=True)
    except (OSError, confined.OutsideFolder) as exc:
        log.warning("the attempts' boundaries cannot be written: %s", exc)
        return
    with os.fdopen(fd, "r+b") as f:
        f.truncate()
        f.write(json.dumps(boundaries, sort_keys=True).encode())


def _cut_partial_row(output: str | Path, relative: Path) -> int:
    fd = confined.open_for_update(output, relative)
    with os.fdopen(fd, "r+b") as f:
        end = f.seek(0, os.SEEK_END)
        start = max(0, end - 65536)
        f.seek(start)
        tail = f.read()
        cut = tail.rfind(b"\n")
        size = start + cut + 1 if cut >= 0 else start
        if size != end:
            f.truncate(size)
        return size
