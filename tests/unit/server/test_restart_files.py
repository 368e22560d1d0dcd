"""What the platform reads and writes in a job's folder around a restart: the newest whole
checkpoint, and graphs that go on across attempts. Kernels write these folders: links and
half-written things are refused."""

from __future__ import annotations

import os
from pathlib import Path

from vlad.server.services import graphs, restarts


def checkpoints(output: Path) -> Path:
    folder = output / "save" / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_newest_whole_checkpoint_is_used_never_a_partial_one_or_a_link(tmp_path: Path) -> None:
    assert restarts.newest_checkpoint(tmp_path) is None
    folder = checkpoints(tmp_path)
    for step in ("2", "3"):
        (folder / step).mkdir()
    (folder / ".partial-4-1234").mkdir()  # interrupted halfway: never renamed to "4"
    (folder / "10.tmp").mkdir()
    elsewhere = tmp_path.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    (folder / "9").symlink_to(elsewhere)
    (folder / "8").write_text("a file")
    assert restarts.newest_checkpoint(tmp_path) == (3, folder / "3")


def test_checkpoints_behind_a_link_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "checkpoints" / "7").mkdir(parents=True)
    output = tmp_path / "output"
    (output / "save").mkdir(parents=True)
    (output / "save" / "checkpoints").symlink_to(outside / "checkpoints")
    assert restarts.newest_checkpoint(output) is None


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(text)


def test_rows_past_where_the_next_attempt_began_again_are_superseded(tmp_path: Path) -> None:
    loss = tmp_path / "save" / "metrics" / "loss.csv"
    write(loss, "epoch, train_loss\n1, 0.9\n2, 0.7\n3, 0.6\n4, 0.55\n5, 0.5")  # attempt 1, cut mid-row
    graphs.mark_attempt_start(tmp_path)
    assert loss.read_text().endswith("4, 0.55\n")  # the half row is gone
    write(loss, "4, 0.4\n5, 0.3\n")  # attempt 2 resumed from epoch 3
    graphs.mark_attempt_start(tmp_path)
    write(loss, "5, 0.25\n6, 0.2\n")  # attempt 3 resumed from epoch 4
    graph = graphs.read_graph(tmp_path, "loss")
    assert graph["x"] == [1, 2, 3, 4, 5, 6]
    assert graph["series"]["train_loss"] == [0.9, 0.7, 0.6, 0.4, 0.25, 0.2]
    assert graph["offset"] == loss.stat().st_size
    assert graphs.final_metrics(tmp_path) == {"loss.train_loss": 0.2}
    # The file itself keeps every row, as the kernel wrote it (the download route's).
    assert loss.read_text().count("\n") == 9
    # Live polling from an offset gets what was appended since, as before.
    write(loss, "7, 0.1\n")
    assert graphs.read_graph(tmp_path, "loss", offset=graph["offset"])["x"] == [7]


def test_an_attempt_that_writes_nothing_more_leaves_the_graph_as_it_was(tmp_path: Path) -> None:
    loss = tmp_path / "save" / "metrics" / "loss.csv"
    write(loss, "step, loss\n1, 3\n2, 2\n")
    graphs.mark_attempt_start(tmp_path)
    assert graphs.read_graph(tmp_path, "loss")["x"] == [1, 2]


def test_boundaries_a_kernel_forged_are_ignored(tmp_path: Path) -> None:
    loss = tmp_path / "save" / "metrics" / "loss.csv"
    write(loss, "step, loss\n1, 3\n2, 2\n3, 1\n")
    boundaries = tmp_path / "save" / "metrics" / graphs.BOUNDARIES_FILE
    boundaries.write_text('{"loss.csv": [7, -1, "x"], "other": 3}')  # 7: not at a row's start
    assert graphs.read_boundaries(tmp_path) == {}
    boundaries.write_text('{"loss.csv": [7, 999]}')
    assert graphs.read_graph(tmp_path, "loss")["x"] == [1, 2, 3]
    boundaries.write_text("not json")
    assert graphs.read_graph(tmp_path, "loss")["x"] == [1, 2, 3]


def test_the_platform_writes_through_no_link_a_kernel_left(tmp_path: Path) -> None:
    metrics = tmp_path / "save" / "metrics"
    write(metrics / "loss.csv", "step, loss\n1, 3\n2, 2")
    target = tmp_path / "host-file"
    target.write_text("precious")
    (metrics / graphs.BOUNDARIES_FILE).symlink_to(target)
    victim = tmp_path / "victim.csv"
    victim.write_text("step, x\n1, 2")
    (metrics / "linked.csv").symlink_to(victim)
    graphs.mark_attempt_start(tmp_path)
    assert target.read_text() == "precious"
    assert victim.read_text() == "step, x\n1, 2"  # not cut: a link is not the kernel's file to us
    assert (metrics / "loss.csv").read_text() == "step, loss\n1, 3\n"
    assert os.path.islink(metrics / graphs.BOUNDARIES_FILE)
