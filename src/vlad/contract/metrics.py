"""Metric log files (SPEC section 5): every regular file under `<model_write_path>/save/metrics/`.

The seeds name no extension: `loss.log`, `accuracy.csv`, `f1.txt` and `lr` are all graphs,
each named after its file name without the extension. First line: field names (quoted or
not). First column: the x axis. Every further column: a y series. Spaces after the commas
are allowed, as in the seeds' own example.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import PurePath

# Editors' and writers' temporaries are not graphs.
_SKIPPED_SUFFIXES = (".tmp", ".swp", ".swx", ".part", "~")


@dataclass
class MetricSeries:
    """One metric file, parsed: the x axis and one list of values per y column."""

    name: str
    x_name: str
    x: list[float] = field(default_factory=list)
    series: dict[str, list[float | None]] = field(default_factory=dict)
    offset: int = 0  # bytes consumed; pass it back to read only what was appended since


def is_metric_file_name(file_name: str) -> bool:
    """Whether a file under `save/metrics/` is a graph: not hidden, not an editor's temporary."""
    return bool(file_name) and not file_name.startswith(".") and not file_name.endswith(_SKIPPED_SUFFIXES)


def graph_name(file_name: str) -> str:
    """`loss.log` -> `loss`, `lr` -> `lr`, `a.b.csv` -> `a.b`."""
    return PurePath(file_name).stem or file_name


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def format_metric_row(values: list[float | int | str]) -> str:
    return ", ".join(str(v) for v in values) + "\n"


def parse_header(line: str) -> list[str]:
    """The field names of a metric file's first line: quotes and spaces around them removed."""
    return [h.strip() for h in next(csv.reader([line], skipinitialspace=True), [])]


def parse_metric_csv(
    name: str, data: bytes, offset: int = 0, header: list[str] | None = None
) -> MetricSeries:
    """Parse the complete lines of `data` from `offset` on.

    A partial last line (a kernel in the middle of writing it) is left for the next read:
    the returned `offset` points at its start. When reading from a non-zero offset, pass
    the `header` of the first read. Rows whose x is not a number are skipped.
    """
    offset = max(0, min(offset, len(data)))
    end = max(data.rfind(b"\n") + 1, offset)
    text = data[offset:end].decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    if header is None:
        if not lines:
            return MetricSeries(name=name, x_name="", offset=offset)
        header = parse_header(lines.pop(0))
    if not header:
        return MetricSeries(name=name, x_name="", offset=end)
    result = MetricSeries(name=name, x_name=header[0], offset=end, series={h: [] for h in header[1:]})
    for cells in csv.reader(lines, skipinitialspace=True):
        cells = [c.strip() for c in cells]
        x = _number(cells[0]) if cells and cells[0] else None
        if x is None:
            continue
        result.x.append(x)
        for i, column in enumerate(header[1:], start=1):
            result.series[column].append(_number(cells[i]) if i < len(cells) else None)
    return result
