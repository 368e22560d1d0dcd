"""Metric log files (SPEC section 5): `<model_write_path>/save/metrics/*.csv`.

First line: field names. First column: the x axis. Every further column: a y series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class MetricSeries:
    """One metric file, parsed: the x axis and one list of values per y column."""

    name: str
    x_name: str
    x: list[float] = field(default_factory=list)
    series: dict[str, list[float | None]] = field(default_factory=dict)
    offset: int = 0  # bytes consumed; pass it back to read only what was appended since


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def format_metric_row(values: list[float | int | str]) -> str:
    return ", ".join(str(v) for v in values) + "\n"


def parse_metric_csv(
    name: str, data: bytes, offset: int = 0, header: list[str] | None = None
) -> MetricSeries:
    """Parse the complete lines of `data` from `offset` on.

    A partial last line (a kernel in the middle of writing it) is left for the next read:
    the returned `offset` points at its start. When reading from a non-zero offset, pass
    the `header` of the first read. Rows whose x is not a number are skipped.
    """
    end = data.rfind(b"\n") + 1
    text = data[offset:end].decode("utf-8", errors="replace")
    lines = text.splitlines()
    if header is None:
        if not lines:
            return MetricSeries(name=name, x_name="", offset=offset)
        header = [h.strip() for h in lines.pop(0).split(",")]
    result = MetricSeries(name=name, x_name=header[0], offset=end, series={h: [] for h in header[1:]})
    for line in lines:
        cells = [c.strip() for c in line.split(",")]
        x = _number(cells[0]) if cells and cells[0] else None
        if x is None:
            continue
        result.x.append(x)
        for i, column in enumerate(header[1:], start=1):
            result.series[column].append(_number(cells[i]) if i < len(cells) else None)
    return result
