"""Training graphs: the metric log files under `<model_write_path>/save/metrics/`.

Every regular file there is a graph, named after its file name without the extension
(SPEC section 5). When two files share a stem (`loss.csv` and `loss.log`), both are shown,
each under its whole file name. Links are never followed: a kernel cannot make the
platform read a file outside its folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlad.contract.metrics import graph_name, is_metric_file_name, parse_header, parse_metric_csv
from vlad.server.services import confined
from vlad.server.services.errors import Invalid, NotFound, field_error

METRICS = Path("save") / "metrics"


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


def read_graph(write_path: str | Path, name: str, offset: int = 0) -> dict[str, Any]:
    """One graph's series; from `offset` on, only the rows appended since (for live drawing)."""
    if offset < 0:
        raise Invalid(
            f"offset {offset} is negative",
            [field_error("offset", "negative", "0, or the offset of the previous answer")],
        )
    files = graph_files(write_path)
    if name not in files:
        raise NotFound(f"no graph {name!r}; this job has {sorted(files)}")
    try:
        data = confined.read_bytes(write_path, METRICS / files[name])
    except (confined.OutsideFolder, FileNotFoundError):
        raise NotFound(f"graph {name!r} is no longer a regular file of this job") from None
    header = None
    if offset > len(data):  # the file was rewritten: start over
        offset = 0
    if offset:
        header = parse_header(data.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff"))
    series = parse_metric_csv(name, data, offset=offset, header=header)
    return {
        "name": name,
        "x_name": series.x_name,
        "x": series.x,
        "series": series.series,
        "offset": series.offset,
    }


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
