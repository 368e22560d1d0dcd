"""The images of a job's staged dataset, for the UI's thumbnails: only images, only inside."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from vlad.server.services.errors import Invalid, NotFound
from vlad.server.services.job_files import dataset_image


@pytest.fixture
def job(tmp_path: Path) -> SimpleNamespace:
    image = tmp_path / "job" / "dataset" / "val" / "3"
    image.mkdir(parents=True)
    (image / "12.png").write_bytes(b"\x89PNG")
    (tmp_path / "job" / "dataset" / "notes.txt").write_text("x")
    (tmp_path / "outside.png").write_bytes(b"\x89PNG secret")
    # What a kernel may plant in its own dataset folder: links out, to a file or a folder.
    (image / "leak.png").symlink_to("/etc/passwd")
    (image / "up.png").symlink_to(tmp_path / "outside.png")
    (tmp_path / "job" / "dataset" / "linked").symlink_to(tmp_path)
    (image / "folder.png").mkdir()
    return SimpleNamespace(id="validation-1", job_dir=str(tmp_path / "job"))


def test_an_image_of_the_dataset(job: SimpleNamespace) -> None:
    file, media_type = dataset_image(job, "val/3/12.png")  # type: ignore[arg-type]
    with file:
        assert file.read() == b"\x89PNG"
    assert media_type == "image/png"


@pytest.mark.parametrize(
    ("relative", "refusal"),
    [
        ("../../outside.png", Invalid),
        ("/etc/passwd.png", Invalid),
        ("val/../../../outside.png", Invalid),
        ("notes.txt", Invalid),
        ("", Invalid),
        ("val/3/99.png", NotFound),
        ("val/3/leak.png", NotFound),
        ("val/3/up.png", NotFound),
        ("linked/outside.png", NotFound),
        ("val/3/folder.png", NotFound),
        ("val/3/12.png/x.png", NotFound),
        ("val/3/\x00.png", Invalid),
    ],
)
def test_refusals(job: SimpleNamespace, relative: str, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        dataset_image(job, relative)  # type: ignore[arg-type]
