"""Restarts in the web UI: the train form's restart policy, checked at its field and sent; a
stopped training resumed from its newest checkpoint on the model page, its ended attempt shown."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.ui import editor_json, screenshot

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.e2e


def _start(api: Api, name: str, hyperparameters: dict) -> str:
    body = {
        "name": name,
        "kernel": "image-classification",
        "training_datasets": ["digits"],
        "hyperparameters": hyperparameters,
    }
    return api.ok("POST", "/models", json=body)["id"]


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def _resume_until(page: Page, done, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Click Resume until `done()` passes: until the stopped kernel has ended, the platform
    answers 409 "still ending", which the page shows as it shows any refusal."""
    deadline = time.monotonic() + timeout
    while True:
        page.get_by_test_id("resume-job").click()
        try:
            done()
            return
        except AssertionError:
            expect(page.get_by_test_id("resume-error")).to_contain_text("still ending")
            assert time.monotonic() < deadline, "the stopped job's kernel did not end"
            time.sleep(0.5)


def test_the_train_form_checks_and_sends_the_restart_policy(page: Page, ui_api: Api) -> None:
    page.get_by_test_id("go-train").click()
    page.get_by_test_id("training-datasets").get_by_role("checkbox").first.check()
    editor_json(page)
    start = page.get_by_test_id("start-training")
    restarts = page.get_by_test_id("max-restarts")
    on_error = page.get_by_test_id("restart-on-error")
    expect(restarts).to_have_value("2")
    expect(on_error).not_to_be_checked()
    expect(start).to_be_enabled()

    for refused in ("21", "1.5", "-1"):
        restarts.fill(refused)
        expect(page.get_by_test_id("max-restarts-error")).to_contain_text("whole number from 0 to 20")
        expect(restarts).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_test_id("blockers")).to_contain_text("Restarts must be")
        expect(start).to_be_disabled()
    screenshot(page, "train-restarts-refused")

    restarts.fill("5")
    on_error.check()
    expect(page.get_by_test_id("max-restarts-error")).to_have_count(0)
    expect(start).to_be_enabled()
    start.click()
    page.wait_for_url("**/models/model-*")
    model_id = page.url.rsplit("/", 1)[-1]
    try:
        job = ui_api.ok("GET", f"/jobs/{model_id}")
        assert (job["max_restarts"], job["restart_on_error"]) == (5, True)
        expect(page.get_by_test_id("job-attempt")).to_have_count(0)  # a first attempt says nothing
    finally:
        ui_api.ok("POST", f"/jobs/{model_id}/stop")


def test_resume_without_a_checkpoint_shows_why_not(
    page: Page, ui_api: Api, ui_platform: RunningPlatform
) -> None:
    # One image per step: the first epoch, and its checkpoint, take a while.
    model_id = _start(ui_api, "no-checkpoint-e2e", {"epochs": 2, "batch_size": 1})
    page.goto(f"/models/{model_id}")
    detail = page.get_by_test_id("model-detail")
    expect(detail).to_have_attribute("data-status", "training", timeout=60_000)
    expect(page.get_by_test_id("resume-job")).to_have_count(0)  # only once it has ended
    page.get_by_test_id("stop").click()
    expect(detail).to_have_attribute("data-status", "stopped", timeout=30_000)
    checkpoints = ui_platform.data_dir / "jobs" / model_id / "output" / "save" / "checkpoints"
    assert not any(checkpoints.glob("*")), "stopped too late: it has a checkpoint already"

    error = page.get_by_test_id("resume-error")
    _resume_until(page, lambda: expect(error).to_contain_text("no checkpoint to resume from", timeout=2000))
    screenshot(page, "resume-refused")
    expect(detail).to_have_attribute("data-status", "stopped")
    job = ui_api.ok("GET", f"/jobs/{model_id}")
    assert (job["status"], job["attempt"], job["attempts"]) == ("stopped", 1, [])
    expect(page.get_by_test_id("attempts")).to_have_count(0)


def test_a_stopped_training_is_resumed_from_its_checkpoint(
    page: Page, ui_api: Api, ui_platform: RunningPlatform
) -> None:
    model_id = _start(ui_api, "resumed-e2e", {"epochs": 6, "seed": 3})
    page.goto(f"/models/{model_id}")
    checkpoints = ui_platform.data_dir / "jobs" / model_id / "output" / "save" / "checkpoints"
    _wait_for(checkpoints / "3")
    page.get_by_test_id("stop").click()
    detail = page.get_by_test_id("model-detail")
    expect(detail).to_have_attribute("data-status", "stopped", timeout=30_000)
    expect(page.get_by_test_id("attempts")).to_have_count(0)
    # As if it had stopped after epoch 3's rows but before their checkpoint: the next attempt
    # goes on from epoch 2's and writes epoch 3's rows again, which must replace those drawn.
    time.sleep(1)  # the kernel, sent SIGTERM before the job was shown stopped, writes no more
    for folder in checkpoints.iterdir():
        if not folder.name.isdigit() or int(folder.name) > 2:
            shutil.rmtree(folder)
    chart = page.get_by_test_id("chart-loss")
    expect(chart).not_to_have_attribute("data-points", re.compile(r"^[012]$"))

    _resume_until(page, lambda: expect(detail).not_to_have_attribute("data-status", "stopped", timeout=2000))
    expect(page.get_by_test_id("resume-job")).to_have_count(0)
    expect(page.get_by_test_id("resume-error")).to_have_count(0)
    expect(page.get_by_test_id("job-attempt")).to_have_text("attempt 2")
    expect(detail).to_have_attribute("data-status", "done", timeout=90_000)

    row = page.get_by_test_id("attempts").locator("tr[data-attempt='1']")
    expect(row).to_have_attribute("data-then", "resumed")
    expect(row.get_by_test_id("attempt-then")).to_have_text("resumed")
    expect(page.get_by_test_id("attempts").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("job-attempt")).to_have_text("attempt 2")
    # Six epochs drawn once each, as the graph's whole read merges the attempts.
    assert ui_api.ok("GET", f"/jobs/{model_id}/graphs/loss")["x"] == [1, 2, 3, 4, 5, 6]
    expect(chart).to_have_attribute("data-points", "6")
    expect(page.get_by_test_id("log")).to_contain_text("attempt 2: resuming from the checkpoint of step 2")
    screenshot(page, "resumed")
    job = ui_api.ok("GET", f"/jobs/{model_id}")
    assert (job["status"], job["attempt"]) == ("done", 2)
    assert [(a["attempt"], a["then"]) for a in job["attempts"]] == [(1, "resumed")]
