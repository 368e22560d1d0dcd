"""Metric CSV files (SPEC section 5), written a row at a time and flushed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TextIO

from vlad.contract.metrics import format_metric_row

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class MetricWriter:
    """One graph: `<metrics_dir>/<name>.csv`. The first `write` fixes the columns."""

    def __init__(self, metrics_dir: Path, name: str, x_name: str = "step") -> None:
        safe = _SAFE_NAME.sub("_", name).strip("_") or "metric"
        self.path = metrics_dir / f"{safe}.csv"
        self.x_name = x_name
        self.columns: list[str] | None = None
        self._file: TextIO | None = None

    def write(self, x: float | int, **values: float) -> None:
        """Append one row: `x` on the x axis, one value per y column."""
        if self.columns is None:
            if not values:
                raise ValueError("a metric row needs at least one named value")
            self.columns = list(values)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
            self._file.write(format_metric_row([self.x_name, *self.columns]))
        unknown = set(values) - set(self.columns)
        if unknown:
            raise ValueError(
                f"metric {self.path.stem!r} has columns {self.columns}; got unknown {sorted(unknown)}"
            )
        row: list[float | int | str] = [x, *(values.get(c, "") for c in self.columns)]
        assert self._file is not None
        self._file.write(format_metric_row(row))
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
