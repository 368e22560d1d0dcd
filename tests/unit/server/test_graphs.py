"""Training graphs: every metric log file under save/metrics/ is a graph (SPEC section 5)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vlad.server.services import graphs
from vlad.server.services.errors import Invalid, NotFound

SEED_EXAMPLE = "Main axis name, graph1 name, graph2 name\n1, 0.2, 0.2\n2, 0.3, 0.25\n3, 0.4, 0.4\n"


@pytest.fixture
def output(tmp_path: Path) -> Path:
    (tmp_path / "save" / "metrics").mkdir(parents=True)
    return tmp_path


def write(output: Path, name: str, text: str) -> None:
    (output / "save" / "metrics" / name).write_text(text)


@pytest.mark.parametrize(
    ("file_name", "graph"),
    [("loss.log", "loss"), ("accuracy.csv", "accuracy"), ("f1.txt", "f1"), ("lr", "lr"), ("a.b.csv", "a.b")],
)
def test_every_regular_file_is_a_graph_named_by_its_stem(output: Path, file_name: str, graph: str) -> None:
    write(output, file_name, SEED_EXAMPLE)
    assert graphs.graph_names(output) == [graph]
    read = graphs.read_graph(output, graph)
    assert read["x_name"] == "Main axis name"
    assert read["x"] == [1.0, 2.0, 3.0]
    assert read["series"] == {"graph1 name": [0.2, 0.3, 0.4], "graph2 name": [0.2, 0.25, 0.4]}


@pytest.mark.parametrize("skipped", [".hidden.csv", "loss.csv~", "loss.tmp", ".loss.log.swp", "x.swp"])
def test_hidden_files_and_editors_temporaries_are_not_graphs(output: Path, skipped: str) -> None:
    write(output, skipped, SEED_EXAMPLE)
    write(output, "loss.log", SEED_EXAMPLE)
    assert graphs.graph_names(output) == ["loss"]


def test_two_files_with_one_stem_are_both_shown_under_their_file_names(output: Path) -> None:
    write(output, "loss.csv", "step,train\n1,0.5\n")
    write(output, "loss.log", "step, val\n1, 0.7\n")
    write(output, "accuracy.csv", "epoch,acc\n1,0.9\n")
    assert graphs.graph_names(output) == ["accuracy", "loss.csv", "loss.log"]
    assert graphs.read_graph(output, "loss.log")["series"] == {"val": [0.7]}
    assert graphs.final_metrics(output) == {"accuracy.acc": 0.9, "loss.csv.train": 0.5, "loss.log.val": 0.7}


def test_quoted_headers_spaces_and_a_partial_last_line(output: Path) -> None:
    write(output, "loss.log", '"step", "train, smoothed", \'raw\'\n1,  0.5, 0.6\n2, 0.4, 0.5\n3, 0.3')
    read = graphs.read_graph(output, "loss")
    assert read["x_name"] == "step"
    assert read["series"] == {"train, smoothed": [0.5, 0.4], "'raw'": [0.6, 0.5]}
    # The partial row is read once it is complete, from the offset of the first answer.
    with (output / "save" / "metrics" / "loss.log").open("a") as f:
        f.write(", 0.4\n")
    rest = graphs.read_graph(output, "loss", offset=read["offset"])
    assert rest["x"] == [3.0] and rest["series"]["train, smoothed"] == [0.3]


def test_a_link_is_not_a_graph_and_is_never_read(
    output: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    secret = tmp_path_factory.mktemp("host") / "shadow"
    secret.write_text("root,secret\n1,2\n")
    os.symlink(secret, output / "save" / "metrics" / "x.csv")
    assert graphs.graph_names(output) == []
    with pytest.raises(NotFound):
        graphs.read_graph(output, "x")
    assert graphs.final_metrics(output) == {}


def test_a_negative_offset_is_refused(output: Path) -> None:
    write(output, "loss.log", SEED_EXAMPLE)
    with pytest.raises(Invalid, match="negative"):
        graphs.read_graph(output, "loss", offset=-5)


def test_no_metrics_folder_means_no_graphs(tmp_path: Path) -> None:
    assert graphs.graph_names(tmp_path) == []
    assert graphs.final_metrics(tmp_path) == {}
