"""Metric CSV files (SPEC section 5), written a row at a time and flushed."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TextIO

from vlad.contract.metrics import format_metric_row

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _continues(path: Path, header: str) -> bool:
    """Whether `path` is this graph's file already (a restarted job writing on): same header.
    A last row cut short by a crash is dropped, so the next row starts on a line of its own."""
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb+") as f:
        if f.readline().decode("utf-8", errors="replace") != header:
            return False
        data_end = f.seek(0, os.SEEK_END)
        f.seek(max(0, data_end - 65536))
        tail = f.read()
        cut = tail.rfind(b"\n")
        if cut != len(tail) - 1:
            f.truncate(data_end - len(tail) + cut + 1)
    return True


class MetricWriter:
    """One graph: `<metrics_dir>/<name>.csv`. The first `write` fixes the columns; a file
    with the same header there already (a resumed job's) is appended to."""

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
            header = format_metric_row([self.x_name, *self.columns])
            if _continues(self.path, header):  # a resumed job: its graph goes on
                self._file = self.path.open("a", encoding="utf-8")
            else:
                self._file = self.path.open("w", encoding="utf-8")
                self._file.write(header)
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
