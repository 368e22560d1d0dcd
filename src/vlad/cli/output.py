"""How the CLI shows things: JSON for machines, Rich tables and panels for people."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from vlad.cli.client import CliError


def _width(stream: Any) -> int | None:
    # Piped output is read by grep and scripts: no wrapping at Rich's default of 80 columns.
    return None if stream.isatty() or "COLUMNS" in os.environ else 200


console = Console(width=_width(sys.stdout), highlight=False)
err = Console(stderr=True, width=_width(sys.stderr), highlight=False)

STATUS_STYLES = {
    "waiting": "yellow",
    "training": "cyan",
    "done": "green",
    "failed": "red",
    "stopped": "magenta",
    "pruned": "bright_black",
}
SPARKS = "▁▂▃▄▅▆▇█"


def print_json(data: Any) -> None:
    # Plain print: Rich would add colour codes and wrap long strings.
    print(json.dumps(data, indent=2, ensure_ascii=False), flush=True)


def error(exc: CliError) -> None:
    err.print(Text("error: ", style="bold red") + Text(str(exc)))
    if exc.extra is not None:
        err.print(exc.extra)


def note(message: str) -> None:
    err.print(Text(message, style="dim"))


def cell(value: Any) -> Text:
    """A table cell from data: never parsed as Rich markup (names may hold brackets)."""
    if value is None or value == "":
        return Text("-", style="dim")
    if isinstance(value, Text):
        return value
    if isinstance(value, float):
        return Text(number(value))
    if isinstance(value, bool):
        return Text("yes" if value else "no")
    return Text(str(value))


def number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.3e}"


def moment(stamp: str) -> datetime:
    """An API timestamp as an aware datetime; one without a zone is UTC, the server's clock."""
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def when(stamp: str | None) -> str:
    """An API timestamp in local time, to the minute."""
    return moment(stamp).astimezone().strftime("%Y-%m-%d %H:%M") if stamp else "-"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


def status(state: str | None, percentage: float | None = None) -> Text:
    text = Text(state or "-", style=STATUS_STYLES.get(state or "", ""))
    if state == "training" and percentage is not None:
        text.append(f" {percentage:.0f}%")
    return text


def job_status(item: dict[str, Any]) -> Text:
    """The status of a model or validation, with its percentage while it trains."""
    job = item.get("job") or {}
    return status(item.get("status"), job.get("percentage"))


def dataset_names(item: dict[str, Any]) -> str:
    refs = item.get("datasets") or []
    return ", ".join(f"{d['name']}" + (" (val)" if d.get("role") == "val" else "") for d in refs)


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str | None = None,
    no_wrap: Sequence[str] = ("id",),
) -> RenderableType:
    out = Table(header_style="bold")
    for name in columns:
        out.add_column(name, no_wrap=name in no_wrap, overflow="fold")
    for row in rows:
        out.add_row(*(cell(v) for v in row))
    # A title above the table, not in it: Rich would wrap it to the table's width.
    return Group(Text(title, style="bold"), out) if title else out


def fields(pairs: Iterable[tuple[str, Any]]) -> Table:
    """Label: value lines, for a panel."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in pairs:
        grid.add_row(label, cell(value))
    return grid


def panel(body: RenderableType, title: str) -> Panel:
    return Panel(body, title=Text(title, style="bold"), title_align="left", expand=False)


def show(*renderables: RenderableType) -> None:
    for item in renderables:
        console.print(item)


def metrics_table(metrics: dict[str, float], title: str = "final metrics") -> RenderableType:
    return table(["metric", "value"], sorted(metrics.items()), title=title, no_wrap=("metric",))


def sparkline(values: Sequence[float | None], width: int = 32) -> str:
    points = [v for v in values if v is not None]
    if not points:
        return ""
    if len(points) > width:  # one sample per bucket, keeping the last value
        step = len(points) / width
        points = [points[min(len(points) - 1, int((i + 1) * step) - 1)] for i in range(width)]
    low, high = min(points), max(points)
    scale = (high - low) or 1.0
    return "".join(SPARKS[int((v - low) / scale * (len(SPARKS) - 1))] for v in points)


def graph_summary(graph: dict[str, Any]) -> RenderableType:
    rows = []
    for name, values in graph["series"].items():
        present = [v for v in values if v is not None]
        rows.append(
            (
                name,
                sparkline(values),
                min(present, default=None),
                max(present, default=None),
                present[-1] if present else None,
            )
        )
    return table(
        ["series", f"trend over {graph['x_name']}", "min", "max", "last"],
        rows,
        title=f"{graph['name']} ({len(graph['x'])} points)",
        no_wrap=("series",),
    )


def graph_table(graph: dict[str, Any]) -> RenderableType:
    names = list(graph["series"])
    rows = [(x, *(graph["series"][n][i] for n in names)) for i, x in enumerate(graph["x"])]
    return table([graph["x_name"], *names], rows, title=graph["name"])


BOUNDS = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))


def _kind(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return "one of " + ", ".join(map(str, spec["enum"]))
    if "const" in spec:
        return f"= {spec['const']}"
    return str(spec.get("type", "any"))


def schema_table(schema: dict[str, Any]) -> RenderableType:
    """A kernel's hyperparameters: what each accepts, to help fix a refused value."""
    required = set(schema.get("required", []))
    rows = [
        (
            name + (" *" if name in required else ""),
            _kind(spec),
            ", ".join(f"{label} {spec[key]}" for key, label in BOUNDS if key in spec),
            json.dumps(spec["default"]) if "default" in spec else None,
            spec.get("description"),
        )
        for name, spec in (schema.get("properties") or {}).items()
    ]
    return table(
        ["field", "type", "bounds", "default", "description"],
        rows,
        title="hyperparameters (* required)",
        no_wrap=("field",),
    )
