"""Metric series at scale: a fast reading of plain metric files, and thinning for drawing.

A 100,000-row file takes the contract's reader (`parse_metric_csv`: the csv module, cell by
cell) about 250 ms; a chart a few hundred pixels wide shows at most a few thousand points.
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import cast

from vlad.contract.metrics import MetricSeries, parse_header


def parse_plain_csv(
    name: str, data: bytes, offset: int = 0, header: list[str] | None = None
) -> MetricSeries | None:
    """`parse_metric_csv`'s answer for a plain file, read column-wise in C; None for any other.

    Plain: no quotes, no blank or short or long rows, every cell a finite number, no column
    named twice. What is not plain (rare) is left to the contract's reader, which skips or
    blanks what it cannot read; so both always agree (tests/unit/server/test_graph_downsampling).
    """
    offset = max(0, min(offset, len(data)))
    end = max(data.rfind(b"\n") + 1, offset)
    lines = data[offset:end].decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
    if header is None:
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        if first is None:
            return None
        header, lines = parse_header(lines[first]), lines[first + 1 :]
    width = len(header)
    if not lines or not width or len(set(header[1:])) != width - 1:
        return None
    if set(map(str.count, lines, repeat(","))) != {width - 1}:
        return None
    joined = ",".join(lines)
    if '"' in joined or "\x00" in joined:
        return None
    cells = joined.split(",")
    try:
        columns = [list(map(float, cells[i::width])) for i in range(width)]
    except ValueError:
        return None
    # A sum is finite when every value is (a sum that overflows only sends it to the other reader).
    if not all(math.isfinite(sum(values)) for values in columns):
        return None
    values = cast(list[list[float | None]], columns[1:])
    series = dict(zip(header[1:], values, strict=True))
    return MetricSeries(name=name, x_name=header[0], x=columns[0], series=series, offset=end)


def keep_extremes(count: int, columns: list[list[float | None]], max_points: int) -> list[int]:
    """The rows (indices, ascending) to draw `count` rows with at most `max_points` points.

    Min/max per bucket: the first and last rows are kept; the rows between are cut into
    buckets of consecutive rows (equal counts, so along x), and in each bucket the rows
    holding each series' minimum and maximum are kept. All series of a graph share one x,
    so a row kept for one series is kept for all: with k series a bucket keeps up to 2k
    rows, hence (max_points - 2) // 2k buckets. No peak or dip of any series is lost, and
    the shape is the one drawn from every row. With more series than that allows
    (2 + 2k > max_points), or none, evenly spaced rows are kept instead.
    """
    if count <= max_points:
        return list(range(count))
    buckets = (max_points - 2) // (2 * len(columns)) if columns else 0
    if buckets == 0:
        step = (count - 1) / (max_points - 1)
        return sorted({round(i * step) for i in range(max_points)})
    edges = [1 + (count - 2) * b // buckets for b in range(buckets + 1)]
    keep = {0, count - 1}
    for values in columns:
        has_gaps = None in values
        for low, high in zip(edges, edges[1:], strict=False):
            part = values[low:high]
            present = [v for v in part if v is not None] if has_gaps else part
            if present:
                keep.add(low + part.index(min(present)))  # type: ignore[type-var]
                keep.add(low + part.index(max(present)))  # type: ignore[type-var]
    return sorted(keep)
