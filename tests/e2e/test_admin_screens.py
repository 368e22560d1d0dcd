"""The screens that register things: kernels (.zip), datasets (.zip, with progress), DLaaS
jobs (a manifest's errors at their lines) and API tokens; and one of them in Korean."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.ui import record_progress, screenshot, signed_in, slow_uploads, zip_of

pytestmark = pytest.mark.e2e

TRAINING_TYPE = "echo-e2e"  # no dataset has it: the train page's choices stay as they are


def kernel_json(version: str, **changes: object) -> str:
    manifest = {
        "name": "echo-e2e",
        "version": version,
        "description": "a kernel uploaded by the browser tests",
        "command": ["python", "main.py"],
        "training_types": [TRAINING_TYPE],
        "model_types": {"tiny": {"training_type": TRAINING_TYPE, "model_type": "tiny", "steps": 1}},
        "schema": {
            "type": "object",
            "required": ["training_type"],
            "properties": {"training_type": {"const": TRAINING_TYPE}, "steps": {"type": "integer"}},
        },
        **changes,
    }
    return json.dumps(manifest, indent=2)


def upload_kernel(page: Page, archive: Path) -> None:
    page.get_by_test_id("kernel-zip").set_input_files(str(archive))
    page.get_by_test_id("kernel-upload-submit").click()


def test_register_a_kernel_by_uploading_its_folder(  # type: ignore[no-untyped-def]
    page: Page, tmp_path: Path, ui_api, ui_platform
) -> None:
    page.get_by_test_id("nav-kernels").click()
    page.get_by_test_id("show-kernel-upload").click()

    # A kernel.json the platform refuses: the problem is shown at the .zip's field, by its name.
    broken = zip_of(tmp_path / "broken.zip", {"echo/kernel.json": kernel_json("1.0.0", training_types=[])})
    upload_kernel(page, broken)
    zip_field = page.locator(".field", has=page.get_by_test_id("kernel-zip"))
    expect(zip_field.get_by_test_id("field-error")).to_contain_text("training_types")
    expect(page.get_by_test_id("error-box")).to_be_visible()
    screenshot(page, "kernel-upload-refused")

    # Not a .zip at all: said as the platform says it.
    text = tmp_path / "notes.zip"
    text.write_text("not a zip")
    upload_kernel(page, text)
    expect(zip_field.get_by_test_id("field-error")).to_contain_text("not a zip")

    for version in ("1.0.0", "1.1.0"):
        page.goto("/kernels")
        page.get_by_test_id("show-kernel-upload").click()
        files = {"echo/kernel.json": kernel_json(version), "echo/main.py": "print('hello')\n"}
        upload_kernel(page, zip_of(tmp_path / f"echo-{version}.zip", files))
        page.wait_for_url("**/kernels/kernel-*")
        expect(page.get_by_test_id("kernel-detail")).to_contain_text(f"echo-e2e {version}")

    # A member may not run an uploaded kernel on the platform's host: refused, as worded.
    member = ui_api.ok("POST", "/tokens", json={"name": "member-e2e", "role": "member"})["token"]
    with signed_in(page.context.browser, ui_platform.url, member) as as_member:
        as_member.goto("/kernels")
        as_member.get_by_test_id("show-kernel-upload").click()
        files = {"echo/kernel.json": kernel_json("2.0.0"), "echo/main.py": "print('hello')\n"}
        upload_kernel(as_member, zip_of(tmp_path / "member.zip", files))
        expect(as_member.get_by_test_id("error-box")).to_contain_text("admin")
        screenshot(as_member, "kernel-upload-member-refused")

    versions = page.get_by_test_id("kernel-version")
    expect(versions).to_have_count(2)
    expect(page.locator("[data-testid=kernel-version].selected")).to_contain_text("1.1.0")
    screenshot(page, "kernel-versions")
    versions.filter(has_text="1.0.0").get_by_role("link").click()
    expect(page.get_by_test_id("kernel-detail")).to_contain_text("echo-e2e 1.0.0")


def test_upload_a_dataset_with_progress(page: Page, tmp_path: Path) -> None:
    # About 3 MB that does not compress, sent at 1 MB/s: the bar has time to move.
    files = {f"shapes/train/a/{i}.bin": os.urandom(300_000) for i in range(10)}
    archive = zip_of(tmp_path / "shapes.zip", files)
    page.get_by_test_id("nav-datasets").click()
    page.get_by_test_id("show-dataset-upload").click()
    page.get_by_test_id("dataset-name").fill("shapes-e2e")
    page.get_by_test_id("dataset-training-type").fill("detection-e2e")
    page.get_by_test_id("dataset-description").fill("uploaded by the browser tests")
    page.get_by_test_id("dataset-zip").set_input_files(str(archive))
    record_progress(page)
    slow_uploads(page, 1_000_000)
    page.get_by_test_id("dataset-upload-submit").click()
    expect(page.get_by_test_id("dataset-progress")).to_be_visible()
    screenshot(page, "dataset-uploading")
    page.wait_for_url("**/datasets/dataset-*", timeout=60_000)
    expect(page.get_by_test_id("dataset-detail")).to_contain_text("detection-e2e")
    expect(page.get_by_test_id("dataset-detail")).to_contain_text("10")
    seen = page.evaluate("window.__progress ?? []")
    moving = sorted({v for v in seen if 0 < v < 100})
    assert moving, f"the progress bar did not move: {seen}"
    screenshot(page, "dataset-uploaded")


def test_a_refused_dataset_upload_is_worded_as_the_api_words_it(page: Page, tmp_path: Path) -> None:
    page.goto("/datasets")
    page.get_by_test_id("show-dataset-upload").click()
    page.get_by_test_id("dataset-name").fill("digits")  # the demo dataset's name: taken
    page.get_by_test_id("dataset-training-type").fill("classification")
    page.get_by_test_id("dataset-zip").set_input_files(str(zip_of(tmp_path / "d.zip", {"a.txt": "1"})))
    page.get_by_test_id("dataset-upload-submit").click()
    expect(page.get_by_test_id("error-box")).to_contain_text("a dataset named 'digits' exists already")

    not_zip = tmp_path / "photo.zip"
    not_zip.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    page.get_by_test_id("dataset-name").fill("photos-e2e")
    page.get_by_test_id("dataset-zip").set_input_files(str(not_zip))
    page.get_by_test_id("dataset-upload-submit").click()
    zip_field = page.locator(".field", has=page.get_by_test_id("dataset-zip"))
    expect(zip_field.get_by_test_id("field-error")).to_contain_text("not a zip")
    screenshot(page, "dataset-upload-refused")
    page.goto("/datasets")
    expect(page.get_by_test_id("datasets-table")).not_to_contain_text("photos-e2e")


MANIFEST = """\
model_definition:
  name: digits-mlp
  framework:
    name: pytorch
    version: "2.1"
  execution:
    command: python3 train.py
    resource: huge
training_data_reference:
  connection:
    endpoint_url: http://127.0.0.1:9
    aws_access_key_id: key
    aws_secret_access_key: secret
  source:
    bucket: digits-data
    type: s3
training_results_reference:
  connection:
    endpoint_url: http://127.0.0.1:9
    aws_access_key_id: key
    aws_secret_access_key: secret
  target:
    bucket: Results_Bucket
    type: s3
"""


def test_dlaas_manifest_errors_are_shown_at_their_lines(page: Page, tmp_path: Path) -> None:
    page.get_by_test_id("nav-dlaas").click()
    expect(page.locator(".empty")).to_contain_text("No DLaaS jobs")
    page.get_by_test_id("show-dlaas-submit").click()
    page.get_by_test_id("dlaas-zip").set_input_files(
        str(zip_of(tmp_path / "m.zip", {"train.py": "print(1)\n"}))
    )
    manifest = tmp_path / "manifest.yml"
    manifest.write_text(MANIFEST)
    page.get_by_test_id("dlaas-manifest").set_input_files(str(manifest))
    expect(page.get_by_test_id("manifest-view")).to_contain_text("resource: huge")
    page.get_by_test_id("dlaas-submit-button").click()

    marked = page.get_by_test_id("manifest-problem-line")
    expect(marked.first).to_be_visible()
    resource = page.locator("[data-line='8']")
    expect(resource).to_have_class("manifest-line has-problem")
    expect(resource.get_by_test_id("manifest-problem")).to_contain_text("'huge' is not accepted")
    expect(resource.get_by_test_id("manifest-problem")).to_contain_text("small (1 GPU)")
    bucket = page.locator("[data-line='23']")
    expect(bucket.get_by_test_id("manifest-problem")).to_contain_text("not well formed")
    expect(page.locator("[data-line='2']")).not_to_have_class("manifest-line has-problem")
    screenshot(page, "dlaas-manifest-errors")

    # Not YAML at all: the parser's line is marked.
    manifest.write_text("model_definition:\n  name: [unclosed\n  framework: x\n")
    page.get_by_test_id("dlaas-manifest").set_input_files(str(manifest))
    page.get_by_test_id("dlaas-submit-button").click()
    expect(page.get_by_test_id("manifest-problem-line")).to_have_count(1)
    expect(page.get_by_test_id("manifest-problem")).to_contain_text("line")
    page.goto("/dlaas")
    expect(page.locator(".empty")).to_contain_text("No DLaaS jobs")


def test_create_list_and_revoke_a_token(page: Page, ui_platform) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("nav-tokens").click()
    page.get_by_test_id("token-name").fill("ci-e2e")
    page.get_by_test_id("token-role").select_option("member")
    page.get_by_test_id("token-days").fill("30")
    page.get_by_test_id("token-create").click()
    created = page.get_by_test_id("token-created")
    expect(created).to_contain_text("shown this once")
    secret = page.get_by_test_id("new-token").inner_text().strip()
    assert len(secret) > 20
    row = page.locator("[data-testid=token-row][data-name=ci-e2e]")
    expect(row).to_have_attribute("data-state", "active")
    expect(row).to_contain_text("member")
    screenshot(page, "token-created")

    # The new token works, and a member sees no admin navigation.
    with signed_in(page.context.browser, ui_platform.url, secret) as member:
        expect(member.get_by_test_id("nav-dlaas")).to_be_visible()
        expect(member.get_by_test_id("nav-tokens")).to_have_count(0)

    # Leaving the page forgets the secret: it is never shown again.
    page.get_by_test_id("nav-models").click()
    page.get_by_test_id("nav-tokens").click()
    expect(page.get_by_test_id("token-created")).to_have_count(0)
    expect(page.get_by_test_id("tokens-table")).not_to_contain_text(secret)

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("token-revoke").click()
    expect(row).to_have_attribute("data-state", "revoked")
    expect(row.get_by_test_id("token-revoke")).to_have_count(0)
    response = page.request.get(
        f"{ui_platform.url}/api/v1/models", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status == 401
    screenshot(page, "tokens")


def test_a_new_screen_in_korean(page: Page) -> None:
    page.get_by_test_id("lang-select").select_option("ko")
    page.get_by_test_id("nav-dlaas").click()
    expect(page.get_by_test_id("show-dlaas-submit")).to_have_text("작업 제출")
    page.get_by_test_id("show-dlaas-submit").click()
    expect(page.get_by_test_id("dlaas-submit")).to_contain_text("매니페스트")
    page.get_by_test_id("nav-tokens").click()
    expect(page.get_by_test_id("token-create")).to_have_text("토큰 만들기")
    screenshot(page, "tokens-ko")
    page.get_by_test_id("lang-select").select_option("en")
    expect(page.get_by_test_id("token-create")).to_have_text("Create token")
