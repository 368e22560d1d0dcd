"""`POST /kernels?check=true` and `POST /kernels/upload?check=true`: the fast checks of
`vlad kernel check` run after the registration, on the platform's broker, and their report
is kept with the kernel (`check` in its answer); only an admin may ask for them.

The API runs in this process (tests/integration/inprocess.py), pointed at the suite's
broker; the platform itself is not started, since the check needs only its broker.
"""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO, TINY_KERNEL
from tests.integration.inprocess import LocalApi, local_api

pytestmark = pytest.mark.broker
BROKEN = REPO / "tests" / "fixtures" / "kernels" / "broken"


@pytest.fixture
def api(tmp_path: Path, broker_url: str) -> Iterator[LocalApi]:
    with local_api(tmp_path / "data") as local:
        local.platform.broker_url = broker_url
        yield local


def tiny_zip(tmp_path: Path, version: str) -> bytes:
    """The tiny kernel as a .zip, under a version the platform does not have yet."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY_KERNEL, folder)
    manifest = json.loads((folder / "kernel.json").read_text())
    (folder / "kernel.json").write_text(json.dumps({**manifest, "version": version}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in folder.iterdir():
            archive.write(file, file.name)
    return buffer.getvalue()


def wait_for_report(api: LocalApi, kernel_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        check = api.request("GET", f"/kernels/{kernel_id}").json()["check"]
        if check["status"] != "running" or time.monotonic() > deadline:
            return dict(check)
        time.sleep(0.3)


def test_a_good_kernel_passes_and_a_broken_one_fails_naming_the_check(api: LocalApi, tmp_path: Path) -> None:
    uploaded = api.request(
        "POST", "/kernels/upload?check=true", files={"file": ("tiny.zip", tiny_zip(tmp_path, "0.2.0"))}
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["check"]["status"] in ("running", "passed")
    broken = api.request("POST", "/kernels?check=true", json={"path": str(BROKEN / "ignores_version")})
    assert broken.status_code == 201, broken.text

    good = wait_for_report(api, uploaded.json()["id"])
    assert good["status"] == "passed", good
    names = {c["name"] for c in good["checks"]}
    assert {"manifest", "outcome.done", "unsupported_version"} <= names, names
    assert "stop" not in names  # the fast mode: no stop, validation or resume scenarios
    assert good["finished_at"]

    bad = wait_for_report(api, broken.json()["id"])
    assert bad["status"] == "failed", bad
    failed = [c for c in bad["checks"] if not c["ok"] and not c["advice"]]
    assert [c["name"] for c in failed] == ["unsupported_version"], failed
    assert "sent no training_error" in failed[0]["detail"]


def test_without_check_there_is_no_report(api: LocalApi) -> None:
    kernel = api.request("POST", "/kernels", json={"path": str(BROKEN / "no_flaw")}).json()
    assert kernel["check"] is None
    assert api.request("GET", f"/kernels/{kernel['id']}").json()["check"] is None


def test_a_member_may_not_ask_for_the_check(api: LocalApi, tmp_path: Path) -> None:
    member = api.request("POST", "/tokens", json={"name": "m"}).json()["token"]
    headers = {"Authorization": f"Bearer {member}"}
    refused = api.request(
        "POST",
        "/kernels/upload?check=true",
        files={"file": ("tiny.zip", tiny_zip(tmp_path, "0.3.0"))},
        data={"executor": "docker"},
        headers=headers,
    )
    assert refused.status_code == 403, refused.text
    assert "platform's host" in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "check"
    assert not (api.platform.settings.kernels_dir / "tiny" / "0.3.0").exists()
    names = [k["version"] for k in api.request("GET", "/kernels?name=tiny").json()]
    assert "0.3.0" not in names


def test_a_manifest_alone_cannot_be_checked(api: LocalApi) -> None:
    manifest = {**json.loads((TINY_KERNEL / "kernel.json").read_text()), "version": "0.4.0"}
    refused = api.request("POST", "/kernels?check=true", json={"manifest": manifest})
    assert refused.status_code == 422, refused.text
    assert "a manifest alone cannot be checked" in refused.json()["detail"]
    assert "0.4.0" not in [k["version"] for k in api.request("GET", "/kernels?name=tiny").json()]
