"""The other screens: experiments, kernels, datasets; the language; the live stream."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect
from tests.e2e.ui import screenshot

pytestmark = pytest.mark.e2e


def test_batch_runs_as_one_experiment_with_runs_side_by_side(page: Page) -> None:
    page.get_by_test_id("go-train").click()
    page.get_by_test_id("training-datasets").get_by_role("checkbox").first.check()
    page.get_by_test_id("hp-ok").wait_for()
    page.get_by_test_id("batch-enable").check()
    page.get_by_test_id("batch-name").fill("lr-sweep-e2e")
    page.get_by_test_id("batch-key-0").fill("learning_rate")
    page.get_by_test_id("batch-values-0").fill("0.003, 0.01")
    page.get_by_role("button", name="+ Add a hyperparameter").click()
    page.get_by_test_id("batch-key-1").fill("epochs")
    page.get_by_test_id("batch-values-1").fill("2")
    expect(page.get_by_test_id("batch-count")).to_contain_text("2 runs")
    # A value the schema refuses is named before anything is sent.
    page.get_by_test_id("batch-values-0").fill("0.003, -1")
    expect(page.get_by_test_id("start-training")).to_be_disabled()
    page.get_by_test_id("batch-values-0").fill("0.003, 0.01")
    page.get_by_test_id("start-training").click()

    page.wait_for_url("**/experiments/*")
    runs = page.get_by_test_id("runs-table").locator("tbody tr")
    expect(runs).to_have_count(2)
    expect(page.get_by_test_id("runs-table").locator("[data-status=done]")).to_have_count(2, timeout=120_000)
    expect(page.get_by_test_id("runs-table")).to_contain_text("accuracy.val_accuracy")
    chart = page.get_by_test_id("experiment-chart")
    expect(chart).to_have_attribute("data-points", "2")
    expect(chart.locator(".u-legend")).to_contain_text("lr-sweep-e2e")
    page.get_by_test_id("metric-select").select_option("loss.train_loss")
    expect(chart.locator(".u-title")).to_have_text("loss.train_loss")
    screenshot(page, "experiment")
    page.get_by_test_id("nav-experiments").click()
    expect(page.get_by_test_id("experiments-table")).to_contain_text("lr-sweep-e2e")


def test_kernels_and_datasets(page: Page) -> None:
    page.get_by_test_id("nav-kernels").click()
    page.get_by_test_id("kernels-table").get_by_role("link", name="image-classification").click()
    expect(page.get_by_test_id("gpu-range")).to_have_text("0–4")
    expect(page.get_by_test_id("kernel-detail")).to_contain_text("resnet_tiny")
    expect(page.get_by_test_id("schema-row-learning_rate")).to_contain_text("> 0")
    screenshot(page, "kernel")
    page.get_by_test_id("nav-datasets").click()
    page.get_by_test_id("datasets-table").get_by_role("link", name="digits").click()
    expect(page.get_by_test_id("dataset-detail")).to_contain_text("classification")
    screenshot(page, "dataset")


def test_language_switch_is_remembered(page: Page) -> None:
    expect(page.get_by_test_id("nav-models")).to_have_text("Models")
    page.get_by_test_id("lang-select").select_option("ko")
    expect(page.get_by_test_id("nav-models")).to_have_text("모델")
    expect(page.get_by_test_id("go-import")).to_have_text("모델 가져오기")
    page.reload()
    expect(page.get_by_test_id("nav-kernels")).to_have_text("학습 커널")
    screenshot(page, "models-ko")
    page.get_by_test_id("lang-select").select_option("en")
    expect(page.get_by_test_id("nav-models")).to_have_text("Models")


def test_live_stream_reconnects_by_itself(page: Page) -> None:
    indicator = page.get_by_test_id("live-indicator")
    expect(indicator).to_have_attribute("data-state", "live")
    refused: list[str] = []

    def refuse(route: Route) -> None:
        refused.append(route.request.url)
        route.abort("connectionreset")

    page.route("**/api/v1/events*", refuse)
    page.reload()  # the stream's first connection is refused
    expect(indicator).to_have_attribute("data-state", "reconnecting")
    page.unroute("**/api/v1/events*", refuse)
    expect(indicator).to_have_attribute("data-state", "live", timeout=15_000)
    assert refused


def test_sign_in_with_a_pasted_token(browser, ui_platform, token: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=ui_platform.url)
    page = context.new_page()
    try:
        page.goto("/models")
        page.get_by_test_id("token-input").fill("vlad_not-a-token")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert").or_(page.locator(".error-box"))).to_contain_text("refused")
        page.get_by_test_id("token-input").fill(token)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_test_id("live-indicator")).to_have_attribute("data-state", "live")
        expect(page.get_by_test_id("nav-models")).to_be_visible()
    finally:
        context.close()
