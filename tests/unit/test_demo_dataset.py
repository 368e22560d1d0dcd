"""The digits demo dataset: the classification layout, written deterministically."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vlad.demo import write_digits_dataset

DIGITS = 1797
CLASSES = [str(d) for d in range(10)]


def files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.png"))


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("digits") / "dataset"
    return root, write_digits_dataset(root)


def test_layout_is_split_label_image(digits: tuple[Path, dict]) -> None:
    root, summary = digits
    assert summary == json.loads((root / "dataset.json").read_text())
    assert summary["training_type"] == "classification"
    assert summary["classes"] == CLASSES
    for split in ("train", "val"):
        assert sorted(p.name for p in (root / split).iterdir()) == CLASSES
        assert len(list((root / split).glob("*/*.png"))) == summary["splits"][split]
    assert files(root) == sorted(p for p in files(root) if p.count("/") == 2)


def test_counts_follow_val_fraction_per_class(digits: tuple[Path, dict]) -> None:
    root, summary = digits
    assert summary["splits"]["train"] + summary["splits"]["val"] == DIGITS
    assert summary["splits"]["val"] == pytest.approx(0.2 * DIGITS, abs=1)
    for label in CLASSES:  # stratified: every class keeps its share in val
        train = len(list((root / "train" / label).iterdir()))
        val = len(list((root / "val" / label).iterdir()))
        assert val == pytest.approx(0.2 * (train + val), abs=1)


def test_images_are_8x8_grayscale_scaled_to_255(digits: tuple[Path, dict]) -> None:
    root, _ = digits
    paths = sorted((root / "train").rglob("*.png"))[:50]
    for path in paths:
        with Image.open(path) as img:
            assert (img.mode, img.size) == ("L", (8, 8))
    assert max(int(np.asarray(Image.open(p)).max()) for p in paths) == 255


def test_same_seed_same_split_other_seed_other_split(tmp_path: Path, digits: tuple[Path, dict]) -> None:
    root, _ = digits
    write_digits_dataset(tmp_path / "same", seed=0)
    write_digits_dataset(tmp_path / "other", seed=1)
    assert files(tmp_path / "same") == files(root)
    assert files(tmp_path / "other") != files(root)


def test_no_val_split_when_fraction_is_zero(tmp_path: Path) -> None:
    summary = write_digits_dataset(tmp_path / "all", val_fraction=0.0)
    assert summary["splits"] == {"train": DIGITS}
    assert not (tmp_path / "all" / "val").exists()


def test_empty_existing_folder_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert write_digits_dataset(tmp_path / "empty", val_fraction=0.5)["splits"]["val"] > 0


@pytest.mark.parametrize(
    "make",
    [
        lambda root: (root.mkdir(), (root / "keep.txt").write_text("mine")),
        lambda root: root.write_text("a file, not a folder"),
    ],
    ids=["non-empty folder", "file"],
)
def test_refuses_a_root_that_holds_something(tmp_path: Path, make) -> None:
    root = tmp_path / "taken"
    make(root)
    before = files(tmp_path)
    with pytest.raises(ValueError, match="Refusing .* not an empty folder"):
        write_digits_dataset(root)
    assert files(tmp_path) == before


def test_writing_the_same_dataset_twice_leaves_it_as_it_is(digits: tuple[Path, dict]) -> None:
    root, summary = digits
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    again = write_digits_dataset(root)
    assert again == {**summary, "existing": True}
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before


def test_another_split_over_an_existing_dataset_is_refused(digits: tuple[Path, dict]) -> None:
    root, _ = digits
    with pytest.raises(ValueError, match="Refusing"):
        write_digits_dataset(root, seed=1)
