"""A long graph is thinned on the server (`max_points`) without losing its extremes (issue 12)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from vlad.contract.metrics import parse_metric_csv
from vlad.server.services import graphs
from vlad.server.services.errors import Invalid
from vlad.server.services.metric_series import keep_extremes, parse_plain_csv


@pytest.fixture
def output(tmp_path: Path) -> Path:
    (tmp_path / "save" / "metrics").mkdir(parents=True)
    return tmp_path


def write(output: Path, rows: int, columns: int = 2, seed: int = 1) -> list[list[float]]:
    """A `loss.csv` of `rows` rows: step, then `columns` noisy series; its rows, as numbers."""
    rng = random.Random(seed)
    table = [
        [float(step), *(round(1 / step + rng.gauss(0, 0.01), 6) for _ in range(columns))]
        for step in range(1, rows + 1)
    ]
    header = ", ".join(["step", *(f"s{c}" for c in range(columns))])
    text = header + "\n" + "".join(", ".join(repr(v) for v in row) + "\n" for row in table)
    (output / "save" / "metrics" / "loss.csv").write_text(text)
    return table


@pytest.mark.parametrize(
    ("rows", "columns", "max_points"),
    [(10_000, 2, 2000), (10_000, 1, 2), (5_000, 3, 50), (999, 7, 10), (100_000, 2, 2000)],
)
def test_the_answer_is_bounded_and_keeps_first_last_and_rows_whole(
    output: Path, rows: int, columns: int, max_points: int
):
    table = write(output, rows, columns)
    graph = graphs.read_graph(output, "loss", max_points=max_points)
    assert graph["downsampled"] and graph["total_points"] == rows
    assert 2 <= len(graph["x"]) <= max_points
    assert graph["x"][0] == 1 and graph["x"][-1] == rows
    # One shared x: each kept point is a whole row of the file, in the file's order.
    assert all(len(values) == len(graph["x"]) for values in graph["series"].values())
    for i, x in enumerate(graph["x"]):
        assert [graph["series"][f"s{c}"][i] for c in range(columns)] == table[int(x) - 1][1:]
    assert graph["x"] == sorted(graph["x"])


def test_every_series_keeps_its_peaks_and_dips(output: Path):
    table = write(output, 20_000, 2)
    spikes = {1234: 9.0, 7777: -9.0, 15_001: 5.0}  # one row each, far from its neighbours
    for row, value in spikes.items():
        table[row][2] = value
    text = "step, s0, s1\n" + "".join(", ".join(repr(v) for v in row) + "\n" for row in table)
    (output / "save" / "metrics" / "loss.csv").write_text(text)
    graph = graphs.read_graph(output, "loss", max_points=500)
    kept = dict(zip(graph["x"], graph["series"]["s1"], strict=True))
    for row, value in spikes.items():
        assert kept[float(row + 1)] == value
    assert min(graph["series"]["s0"]) == min(r[1] for r in table)
    assert max(graph["series"]["s0"]) == max(r[1] for r in table)


def test_each_bucket_keeps_its_minimum_and_maximum():
    values: list[float | None] = [float((i * 7919) % 1000) for i in range(10_002)]
    keep = keep_extremes(len(values), [values], 102)  # 50 buckets of 200 rows
    for bucket in range(50):
        low, high = 1 + 200 * bucket, 1 + 200 * (bucket + 1)
        part = values[low:high]
        assert {min(part), max(part)} <= {values[i] for i in keep if low <= i < high}  # type: ignore[type-var]


def test_gaps_in_a_series_are_neither_kept_nor_an_error():
    values: list[float | None] = [None if i % 3 else float(i % 17) for i in range(1000)]
    keep = keep_extremes(1000, [values, [float(i) for i in range(1000)]], 40)
    assert len(keep) <= 40 and keep[0] == 0 and keep[-1] == 999


def test_under_the_limit_every_row_is_sent(output: Path):
    write(output, 100)
    graph = graphs.read_graph(output, "loss")
    assert graphs.read_graph(output, "loss", max_points=2000) == graph
    assert not graph["downsampled"] and graph["total_points"] == 100 == len(graph["x"])


def test_the_offset_is_the_end_of_the_file_and_polling_goes_on_from_it(output: Path):
    write(output, 10_000)
    path = output / "save" / "metrics" / "loss.csv"
    first = graphs.read_graph(output, "loss", max_points=100)
    assert first["offset"] == path.stat().st_size == graphs.read_graph(output, "loss")["offset"]
    with path.open("a") as f:
        f.write("10001, 0.5, 0.25\n10002, 0.4")  # the last row still being written
    more = graphs.read_graph(output, "loss", offset=first["offset"], max_points=100)
    assert more["x"] == [10001.0] and more["series"] == {"s0": [0.5], "s1": [0.25]}
    assert not more["downsampled"] and more["offset"] == path.stat().st_size - len("10002, 0.4")


def test_a_thinned_answer_follows_its_file(output: Path):
    write(output, 5_000, seed=1)
    first = graphs.read_graph(output, "loss", max_points=100)
    assert graphs.read_graph(output, "loss", max_points=100) == first
    with (output / "save" / "metrics" / "loss.csv").open("a") as f:
        f.write("5001, 99.0, -99.0\n")
    again = graphs.read_graph(output, "loss", max_points=100)
    assert again["total_points"] == 5001 and again["x"][-1] == 5001 and again["series"]["s0"][-1] == 99.0
    write(output, 5_000, seed=2)  # rewritten whole, as long as before
    assert graphs.read_graph(output, "loss", max_points=100)["series"] != first["series"]


@pytest.mark.parametrize("max_points", [-1, 0, 1, 100_001])
def test_max_points_out_of_range_is_refused(output: Path, max_points: int):
    write(output, 10)
    with pytest.raises(Invalid) as refused:
        graphs.read_graph(output, "loss", max_points=max_points)
    assert refused.value.details[0]["field"] == "max_points"


@pytest.mark.parametrize(
    "text",
    [
        "step, a, b\n1, 0.5, 0.25\n2, 0.4, 0.2\n",
        "\ufeffstep,a\n1,2\n",
        '"step", "a, b"\n1, 2\n',  # a quoted header
        'step,a\n1,"2"\n',  # a quoted cell
        "step,a\n\n1,2\n\n2,3\n",  # blank lines
        "step,a,b\n1,2\n2,3,4\n",  # a short row
        "step,a\n1,2,3\n",  # a long row
        "step,a\n1,nan\n2,inf\n3,4\n",
        "step,a\nx,1\n2,3\n",  # an x that is no number
        "step,a,a\n1,2,3\n",  # a column named twice
        "step\n1\n2\n",
        "step,a\n1,\n",
        "step,a\n1,1e308\n2,1e308\n",  # sums overflow
        "step,a\n1,1_0\n",
        "",
        "step,a\n",
    ],
)
def test_the_fast_reader_agrees_with_the_contracts(text: str):
    data = text.encode()
    fast = parse_plain_csv("g", data)
    assert fast is None or fast == parse_metric_csv("g", data)
    half = data.find(b"\n") + 1
    header = [h.strip() for h in text.lstrip("\ufeff").split("\n", 1)[0].split(",")]
    rest = parse_plain_csv("g", data, offset=half, header=header)
    assert rest is None or rest == parse_metric_csv("g", data, offset=half, header=header)


def test_a_plain_file_is_read_by_the_fast_reader():
    data = "step, loss\n" + "".join(f"{i}, {math.sin(i)}\n" for i in range(1, 1001))
    fast = parse_plain_csv("loss", data.encode())
    assert fast is not None and fast == parse_metric_csv("loss", data.encode())
