"""Training graphs: the metric CSVs under `<model_write_path>/save/metrics/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vlad.contract import parse_metric_csv
from vlad.server.services.errors import NotFound


def metrics_dir(write_path: str | Path) -> Path:
    return Path(write_path) / "save" / "metrics"


def graph_names(write_path: str | Path) -> list[str]:
    folder = metrics_dir(write_path)
    return sorted(p.stem for p in folder.glob("*.csv")) if folder.is_dir() else []


def read_graph(write_path: str | Path, name: str, offset: int = 0) -> dict[str, Any]:
    """One graph's series; from `offset` on, only the rows appended since (for live drawing)."""
    path = metrics_dir(write_path) / f"{name}.csv"
    if name not in graph_names(write_path):
        raise NotFound(f"no graph {name!r}; this job has {graph_names(write_path)}")
    data = path.read_bytes()
    header = None
    if offset:
        first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        header = [h.strip() for h in first.split(",")]
    if offset > len(data):  # the file was rewritten: start over
        offset, header = 0, None
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
        graph = read_graph(write_path, name)
        for column, values in graph["series"].items():
            last = next((v for v in reversed(values) if v is not None), None)
            if last is not None:
                final[f"{name}.{column}"] = last
    return final
