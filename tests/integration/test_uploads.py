"""Uploads by the archive rules: kernels and datasets as .zips, extra files scoped to a project.

Every refusal is a 4xx at its field and leaves nothing behind: no folder, no row.
"""

from __future__ import annotations

import io
import json
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import TINY_KERNEL
from tests.integration.inprocess import LocalApi, local_api

MANIFEST = json.loads((TINY_KERNEL / "kernel.json").read_text())
CODE = (TINY_KERNEL / "tiny.py").read_bytes()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LocalApi]:
    with local_api(tmp_path / "data") as local:
        yield local


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def member(api: LocalApi) -> str:
    return str(api.request("POST", "/tokens", json={"name": "m"}).json()["token"])


def make_zip(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def raw_zip(name: str, method: int, crc: int, size: int, data: bytes, flags: int = 0) -> bytes:
    """A one-entry zip written field by field: for what zipfile will not write."""
    encoded = name.encode()
    local = struct.pack(
        "<4s5H3I2H", b"PK\x03\x04", 20, flags, method, 0, 0x21, crc, len(data), size, len(encoded), 0
    )
    central = struct.pack(
        "<4s6H3I5H2I",
        b"PK\x01\x02",
        20,
        20,
        flags,
        method,
        0,
        0x21,
        crc,
        len(data),
        size,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    body = local + encoded + data
    directory = central + encoded
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """About 2 MB that unpacks to about 2 GB of zeros (a real deflate stream, correct CRC)."""
    chunk = bytes(16 * 1024**2)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)  # needs no history
    count, crc = 119, 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    data = block * count + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    return raw_zip("zeros.bin", zipfile.ZIP_DEFLATED, crc, len(chunk) * count, data)


def corrupt_deflate() -> bytes:
    payload = bytes(range(256)) * 64
    good = make_zip({"train/a.png": payload})
    start = good.index(b"train/a.png") + len("train/a.png")
    return good[:start] + b"\xff" * 40 + good[start + 40 :]


def unsupported_method() -> bytes:
    return raw_zip("train/a.png", 99, zlib.crc32(b"png"), 3, b"png")


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# Datasets


def upload_dataset(api: LocalApi, archive: bytes, name: str = "up", token: str | None = None) -> Any:
    return api.request(
        "POST",
        "/datasets/upload",
        data={"name": name, "training_type": "classification"},
        files={"file": ("data.zip", archive, "application/zip")},
        headers=auth(token) if token else None,
    )


def test_a_member_uploads_a_dataset(api: LocalApi, member: str) -> None:
    response = upload_dataset(
        api, make_zip({"cats/train/a.png": b"png", "cats/val/b.png": b"png"}), token=member
    )
    assert response.status_code == 201, response.text
    dataset = response.json()
    assert dataset["file_count"] == 2 and dataset["location"].endswith("/cats")


BAD_DATASETS = {
    "zip bomb (ratio)": "<bomb>",
    "corrupt deflate entry": corrupt_deflate(),
    "unsupported compression method": unsupported_method(),
    "entry climbing out": make_zip({"../../evil.txt": b"x"}),
    "absolute entry": make_zip({"/tmp/evil.txt": b"x"}),
    "symbolic link": make_zip({"train/a.png": b"png"}, {"train/leak.png": "/etc/shadow"}),
    "encrypted entry": raw_zip("a.png", 0, zlib.crc32(b"png"), 3, b"png", flags=1),
    "not a zip (gzip)": b"\x1f\x8b\x08\x00" + bytes(100),
    "no files": make_zip({}),
    "file then folder of one name": make_zip({"a": b"x", "a/b.png": b"y"}),
}


@pytest.mark.parametrize("archive", list(BAD_DATASETS.values()), ids=list(BAD_DATASETS))
def test_bad_dataset_archives_are_422_and_leave_nothing(api: LocalApi, zip_bomb: bytes, archive: Any) -> None:
    response = upload_dataset(api, zip_bomb if archive == "<bomb>" else archive)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "file"
    assert tree(api.platform.settings.datasets_dir) == []
    assert [d["name"] for d in api.request("GET", "/datasets").json()] == ["tiny-data"]


def test_the_zip_bomb_is_refused_for_its_ratio_before_writing(api: LocalApi, zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 3 * 1024**2
    detail = upload_dataset(api, zip_bomb).json()["detail"]
    assert "times its size" in detail and "VLAD_ARCHIVE_MAX_RATIO" in detail


def test_the_unpacked_size_limit_names_its_setting(api: LocalApi) -> None:
    api.platform.settings.dataset_max_unpacked_bytes = 1000
    response = upload_dataset(api, make_zip({"train/a.png": bytes(2000)}))
    assert response.status_code == 422 and "VLAD_DATASET_MAX_UNPACKED_BYTES" in response.json()["detail"]
    assert tree(api.platform.settings.datasets_dir) == []


# Kernels


def kernel_zip(version: str = "5.0.0", top: str = "", **changes: Any) -> bytes:
    manifest = {**MANIFEST, "version": version, **changes}
    return make_zip({f"{top}kernel.json": json.dumps(manifest).encode(), f"{top}tiny.py": CODE})


def upload_kernel(
    api: LocalApi, archive: bytes, token: str | None = None, executor: str | None = None
) -> Any:
    return api.request(
        "POST",
        "/kernels/upload",
        data={"executor": executor} if executor else {},
        files={"file": ("kernel.zip", archive, "application/zip")},
        headers=auth(token) if token else None,
    )


@pytest.mark.parametrize("top", ["", "tiny-kernel/"])
def test_a_member_uploads_a_kernel_for_a_sandboxing_executor(api: LocalApi, member: str, top: str) -> None:
    response = upload_kernel(api, kernel_zip(top=top), member, "docker")
    assert response.status_code == 201, response.text
    kernel = response.json()
    folder = api.platform.settings.kernels_dir / "tiny" / "5.0.0"
    assert (kernel["name"], kernel["version"], kernel["executor"]) == ("tiny", "5.0.0", "docker")
    assert kernel["path"] == str(folder.resolve())
    assert tree(folder) == ["kernel.json", "tiny.py"]
    assert (folder / "tiny.py").stat().st_mode & 0o100
    assert tree(api.platform.settings.kernels_dir) == [
        "tiny",
        "tiny/5.0.0",
        "tiny/5.0.0/kernel.json",
        "tiny/5.0.0/tiny.py",
    ]


def test_an_admin_uploads_a_kernel_for_the_local_executor(api: LocalApi) -> None:
    response = upload_kernel(api, kernel_zip())
    assert response.status_code == 201, response.text
    assert response.json()["executor"] is None  # the platform's, local


def test_an_uploaded_version_cannot_be_uploaded_again(api: LocalApi, member: str) -> None:
    assert upload_kernel(api, kernel_zip(), member, "docker").status_code == 201
    again = upload_kernel(api, kernel_zip(description="changed"), member, "docker")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "kernel.json.version"
    assert (
        json.loads((api.platform.settings.kernels_dir / "tiny/5.0.0/kernel.json").read_text())["description"]
        == (MANIFEST["description"])
    )


@pytest.mark.parametrize(
    ("executor", "settings"),
    [(None, {}), ("local", {"executor": "docker"}), ("ray", {})],
    ids=["platform executor local", "executor local", "ray on this host"],
)
def test_a_member_cannot_upload_a_kernel_the_host_would_run(
    api: LocalApi, member: str, executor: str | None, settings: dict[str, Any]
) -> None:
    for key, value in settings.items():
        setattr(api.platform.settings, key, value)
    response = upload_kernel(api, kernel_zip(), member, executor)
    assert response.status_code == 403, response.text
    assert "needs an admin token" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "executor"
    assert tree(api.platform.settings.kernels_dir) == []
    assert [k["version"] for k in api.request("GET", "/kernels").json()] == ["0.1.0"]


BAD_KERNELS = {
    "not a zip": (b"not a zip at all", "file"),
    "entry climbing out": (make_zip({"kernel.json": b"{}", "../x.py": b"x"}), "file"),
    "symbolic link": (make_zip({"kernel.json": b"{}"}, {"tiny.py": "/etc/shadow"}), "file"),
    "no kernel.json": (make_zip({"tiny.py": CODE}), "file"),
    "kernel.json two folders down": (kernel_zip(top="a/b/"), "file"),
    "kernel.json not JSON": (make_zip({"kernel.json": b"{nope"}), "file"),
    "manifest without a schema": (
        make_zip({"kernel.json": json.dumps({"name": "x", "version": "1"}).encode()}),
        None,
    ),
    "version climbing out": (kernel_zip(version="../../etc"), "kernel.json.version"),
    "corrupt entry": (corrupt_deflate(), "file"),
}


@pytest.mark.parametrize(("archive", "field"), list(BAD_KERNELS.values()), ids=list(BAD_KERNELS))
def test_bad_kernel_archives_are_422_and_leave_nothing(
    api: LocalApi, member: str, archive: bytes, field: str | None
) -> None:
    response = upload_kernel(api, archive, member, "docker")
    assert response.status_code == 422, response.text
    if field:
        assert response.json()["errors"][0]["field"] == field
    assert tree(api.platform.settings.kernels_dir) == []
    assert [k["version"] for k in api.request("GET", "/kernels").json()] == ["0.1.0"]


def test_an_unknown_executor_is_422(api: LocalApi, member: str) -> None:
    response = upload_kernel(api, kernel_zip(), member, "mainframe")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "executor"


# Extra files


def upload_file(api: LocalApi, filename: str, token: str | None = None) -> Any:
    return api.request(
        "POST",
        "/files",
        files={"file": (filename, b"extra", "text/plain")},
        headers=auth(token) if token else None,
    )


def test_files_are_kept_in_their_projects_folder(api: LocalApi) -> None:
    response = upload_file(api, "labels.csv")
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]
    stored = api.platform.uploads_dir / api.project_id / file_id / "labels.csv"
    assert stored.read_bytes() == b"extra"


def test_another_projects_file_cannot_be_used(api: LocalApi) -> None:
    file_id = upload_file(api, "labels.csv").json()["id"]
    other = api.request("POST", "/projects", json={"name": "other"}).json()
    request = {"training_datasets": ["tiny-data"], "extra_files": [file_id]}
    own = api.request("POST", "/models", json=request)
    assert own.status_code == 201, own.text
    dataset = api.platform.settings.datasets_dir / "theirs"
    (dataset / "train").mkdir(parents=True)
    (dataset / "train" / "a.txt").write_text("a")
    body = {"name": "theirs", "training_type": "classification", "location": str(dataset)}
    assert api.request("POST", "/datasets", json=body, headers=auth(other["token"])).status_code == 201
    kernel = {"path": str(TINY_KERNEL)}
    assert api.request("POST", "/kernels", json=kernel, headers=auth(other["token"])).status_code == 201
    theirs = api.request(
        "POST", "/models", json={**request, "training_datasets": ["theirs"]}, headers=auth(other["token"])
    )
    assert theirs.status_code == 422, theirs.text
    assert [ids for ids, _files in api.launched] == [[own.json()["id"]]]


def raw_multipart(filename: bytes) -> dict[str, Any]:
    """A multipart body as a client may send it: httpx would percent-encode control characters."""
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\nextra\r\n--B--\r\n"
    )
    return {"content": body, "headers": {"Content-Type": "multipart/form-data; boundary=B"}}


@pytest.mark.parametrize("filename", ["..", ".", "", "a\x01b", "tab\tname", "x" * 300])
def test_file_names_that_name_no_file_are_422(api: LocalApi, filename: str) -> None:
    response = api.request("POST", "/files", **raw_multipart(filename.encode()))
    assert response.status_code == 422, response.text
    assert tree(api.platform.uploads_dir) == []
