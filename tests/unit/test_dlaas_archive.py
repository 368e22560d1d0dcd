"""The model definition .zip: refused when it is no zip, escapes its folder or unpacks too big."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from vlad.dlaas.archive import ArchiveError, check_zip, code_root, unpack

LIMIT = 1024 * 1024


def make_zip(path: Path, entries: dict[str, bytes], symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def tar_gz(path: Path) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        body = b"print('hi')\n"
        info = tarfile.TarInfo("train.py")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    return path


@dataclass
class Bad:
    name: str
    make: Callable[[Path], Path]
    says: str


BAD = [
    Bad("tar.gz named .zip", lambda d: tar_gz(d / "model.zip"), "gzip"),
    Bad("plain text", lambda d: (d / "m.zip").write_text("print(1)") and d / "m.zip", "not a zip archive"),
    Bad("zip-slip", lambda d: make_zip(d / "m.zip", {"train.py": b"1", "../../evil.py": b"2"}), "'..'"),
    Bad("absolute path", lambda d: make_zip(d / "m.zip", {"/etc/cron.d/x": b"2"}), "absolute path"),
    Bad("windows drive", lambda d: make_zip(d / "m.zip", {"C:\\x.py": b"2"}), "absolute path"),
    Bad("symlink", lambda d: make_zip(d / "m.zip", {"train.py": b"1"}, symlink="data"), "symbolic link"),
    # 2 MB of zeros compress to a few kB: the declared unpacked size gives it away.
    Bad("size bomb", lambda d: make_zip(d / "m.zip", {"zeros.bin": bytes(2 * LIMIT)}), "the limit is"),
    Bad("no files", lambda d: make_zip(d / "m.zip", {"folder/": b""}), "holds no files"),
]


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_bad_archives_are_refused_with_a_reason(tmp_path: Path, case: Bad):
    path = case.make(tmp_path)
    with pytest.raises(ArchiveError, match=case.says) as refused:
        check_zip(path, LIMIT)
    assert "accepted" in str(refused.value) or "limit" in str(refused.value)
    with pytest.raises(ArchiveError):
        unpack(path, tmp_path / "out", LIMIT)
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()


def test_check_reads_an_open_upload_and_rewinds_it(tmp_path: Path):
    path = make_zip(tmp_path / "m.zip", {"train.py": b"print(1)\n", "lib/util.py": b"x = 1\n"})
    with path.open("rb") as handle:
        summary = check_zip(handle, LIMIT)
        assert handle.tell() == 0
    assert sorted(summary.files) == ["lib/util.py", "train.py"] and summary.unpacked_bytes == 15


@pytest.mark.parametrize(
    ("files", "root"),
    [
        (["train.py", "lib/util.py"], ""),
        (["model/train.py", "model/lib/util.py"], "model"),
        (["a/train.py", "b/util.py"], ""),
        (["train.py"], ""),
    ],
)
def test_the_program_runs_in_the_only_top_folder(files: list[str], root: str):
    assert code_root(files) == root


def test_unpack_keeps_paths_and_returns_the_code_folder(tmp_path: Path):
    path = make_zip(tmp_path / "m.zip", {"model/train.py": b"print(1)\n", "model/lib/util.py": b"x = 1\n"})
    code = unpack(path, tmp_path / "code", LIMIT)
    assert code == (tmp_path / "code" / "model").resolve()
    assert (code / "lib" / "util.py").read_text() == "x = 1\n"
