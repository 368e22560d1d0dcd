"""Train in the browser and watch it live, then activate, validate and auto-label."""

from __future__ import annotations

import json
import time

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.ui import editor_json, screenshot, set_editor

pytestmark = pytest.mark.e2e

EPOCHS = 8  # about a second each on the digits: long enough to see the progress move


def watch_training(page: Page, timeout: float = 120) -> tuple[list[float], list[int], str]:
    """Read the progress bar and the loss chart's points until the job ends."""
    progress = page.locator("[data-testid=training-status] [role=progressbar]")
    chart = page.get_by_test_id("chart-loss")
    percentages: list[float] = []
    points: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = page.get_by_test_id("model-detail").get_attribute("data-status") or ""
        if status in ("done", "failed", "stopped"):
            return percentages, points, status
        if status == "training" and progress.count():
            percentages.append(float(progress.get_attribute("aria-valuenow") or 0))
            if chart.count():
                points.append(int(chart.get_attribute("data-points") or 0))
        time.sleep(0.2)
    raise TimeoutError("the training did not end")


def test_train_watch_live_activate_validate_and_autolabel(page: Page) -> None:
    page.get_by_test_id("go-train").click()
    page.get_by_test_id("training-datasets").get_by_role("checkbox").first.check()
    page.get_by_test_id("validation-datasets").get_by_role("checkbox").first.check()
    # The kernel supporting the dataset's training type is proposed, with its first model type.
    expect(page.get_by_test_id("kernel-summary")).to_contain_text("image-classification")
    hyperparameters = editor_json(page)
    assert hyperparameters["model_type"] == "small_cnn"
    set_editor(page, json.dumps({**hyperparameters, "epochs": EPOCHS}, indent=2))
    page.get_by_test_id("model-name").fill("digits-e2e")
    page.get_by_test_id("model-description").fill("trained by the browser tests")
    screenshot(page, "train")
    page.get_by_test_id("start-training").click()

    page.wait_for_url("**/models/model-*")
    page.evaluate("window.__sameDocument = true")  # gone if the page were reloaded
    percentages, points, status = watch_training(page)
    assert status == "done", page.get_by_test_id("training-status").inner_text()
    assert page.evaluate("window.__sameDocument") is True
    moving = sorted({p for p in percentages if 0 < p < 100})
    assert len(moving) >= 2, f"the progress bar did not move during training: {percentages}"
    growing = sorted({n for n in points if n > 0})
    assert len(growing) >= 2, f"the graph did not grow during training: {points}"
    expect(page.get_by_test_id("chart-loss")).to_have_attribute("data-points", str(EPOCHS))
    expect(page.get_by_test_id("chart-accuracy")).to_have_attribute("data-points", str(EPOCHS))
    expect(page.locator("[data-testid=chart-loss] .u-legend")).to_contain_text("val_loss")
    expect(page.get_by_test_id("job-step")).not_to_have_text("—")
    # "Download settings": the model.json the kernel got.
    settings = page.request.get(page.get_by_test_id("download-settings").get_attribute("href") or "")
    assert settings.ok and settings.json()["epochs"] == EPOCHS

    # Inference setting: activate.
    page.get_by_test_id("activate").click()
    expect(page.get_by_test_id("active-state")).to_have_attribute("data-active", "true")
    screenshot(page, "model-detail")
    model_url = page.url

    # The list shows it done and active.
    page.get_by_test_id("nav-models").click()
    row = page.get_by_test_id("model-row").filter(has_text="digits-e2e")
    expect(row.get_by_test_id("status-badge")).to_have_attribute("data-status", "done")
    expect(row).to_contain_text("✓")
    screenshot(page, "models")

    # Validate: compare labels with the model's inference.
    page.goto(model_url)
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("kernel-summary")).to_contain_text("image-classification")
    page.get_by_test_id("action-validation").check()
    screenshot(page, "validate")
    page.get_by_test_id("start-validation").click()
    page.wait_for_url("**/validations/validation-*")
    expect(page.get_by_test_id("validation-detail")).to_have_attribute("data-status", "done", timeout=90_000)
    expect(page.get_by_test_id("accuracy")).to_contain_text("%")
    expect(page.get_by_test_id("confusion-matrix")).to_be_visible()
    expect(page.get_by_test_id("per-class").locator("tbody tr")).to_have_count(10)
    screenshot(page, "validation-result")

    # Auto-label (inference) and browse the annotations.
    page.goto(model_url)
    page.get_by_test_id("validate").click()
    page.get_by_test_id("action-inference").check()
    page.get_by_test_id("start-validation").click()
    page.wait_for_url("**/validations/validation-*")
    expect(page.get_by_test_id("validation-detail")).to_have_attribute("data-status", "done", timeout=90_000)
    rows = page.get_by_test_id("annotation-row")
    expect(rows).to_have_count(25)
    first_page = rows.first.inner_text()
    page.get_by_test_id("annotations").get_by_test_id("pager").get_by_role("button").last.click()
    expect(rows.first).not_to_have_text(first_page)
    page.get_by_test_id("annotation-label").select_option("3")
    expect(rows.first.locator(".tag")).to_have_text("3")
    thumbnail = rows.first.locator("img.thumb")
    expect(thumbnail).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    screenshot(page, "inference-annotations")

    # Both validations are listed on the model.
    page.goto(model_url)
    expect(page.get_by_test_id("validations-table").locator("tbody tr")).to_have_count(2)
