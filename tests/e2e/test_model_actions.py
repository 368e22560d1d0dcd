"""A first start (the demo model one click away), the train form's ready-made choices, and
the actions on a trained model: retrain, train further, stop."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.ui import editor_json, screenshot, set_editor, signed_in, zip_of

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def fresh_platform(
    e2e_ready: None, tmp_path_factory: pytest.TempPathFactory, broker_url: str
) -> Iterator[RunningPlatform]:
    """A platform as `vlad up` leaves it on its first start: no model yet."""
    running = RunningPlatform(tmp_path_factory.mktemp("fresh-platform"), broker_url).start()
    yield running
    running.stop()


@pytest.fixture
def fresh_page(browser, fresh_platform: RunningPlatform) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    token = json.loads(fresh_platform.cli_config.read_text())["token"]
    with signed_in(browser, fresh_platform.url, token) as page:
        yield page


def expect_no_problem_shown(page: Page) -> None:
    for test_id in ("error-box", "hp-json-error", "hp-problems", "blockers", "gpu-error", "field-error"):
        expect(page.get_by_test_id(test_id)).to_have_count(0)


def test_first_start_offers_the_demo_model_and_the_form_is_ready(
    fresh_page: Page, fresh_platform: RunningPlatform, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    page = fresh_page
    first = page.get_by_test_id("first-start")
    expect(first).to_contain_text("No models yet")
    screenshot(page, "first-start")
    page.get_by_test_id("train-demo").click()

    page.wait_for_url("**/models/new?*")
    expect(page.get_by_test_id("training-datasets").locator("input[value=digits]")).to_be_checked()
    expect(page.get_by_test_id("validation-datasets").locator("input[value=digits]")).to_be_checked()
    expect(page.get_by_test_id("kernel-summary")).to_contain_text("image-classification")
    assert editor_json(page)["model_type"] == "small_cnn"  # the kernel's first model type
    expect_no_problem_shown(page)
    expect(page.get_by_test_id("start-training")).to_be_enabled()
    screenshot(page, "first-start-train-form")

    # Without the button: the only dataset a kernel can train is chosen already.
    page.goto("/models/new")
    expect(page.get_by_test_id("training-datasets").locator("input[value=digits]")).to_be_checked()
    expect(page.get_by_test_id("validation-datasets").locator("input[value=digits]")).not_to_be_checked()
    assert editor_json(page)["model_type"] == "small_cnn"
    expect_no_problem_shown(page)

    # Two datasets to choose from: nothing is chosen, and what is missing is a to-do, not an error.
    archive = zip_of(tmp_path / "more.zip", {"train/0/a.png": b"png"})
    with fresh_platform.client() as api:
        api.ok(
            "POST",
            "/datasets/upload",
            data={"name": "more-digits", "training_type": "classification"},
            files={"file": ("more.zip", archive.read_bytes())},
        )
    page.goto("/models/new")
    expect(page.get_by_test_id("training-datasets").get_by_role("checkbox")).to_have_count(2)
    expect(page.get_by_test_id("blockers-hint")).to_contain_text("choose at least one training dataset")
    expect_no_problem_shown(page)
    expect(page.get_by_test_id("start-training")).to_be_disabled()
    screenshot(page, "train-form-untouched")
    page.get_by_test_id("training-datasets").locator("input[value=digits]").check()
    expect(page.get_by_test_id("hp-ok")).to_be_visible()
    expect(page.get_by_test_id("start-training")).to_be_enabled()


def trained_model(api: Api, name: str, epochs: int) -> dict:
    body = {
        "name": name,
        "kernel": "image-classification",
        "training_datasets": ["digits"],
        "validation_datasets": ["digits"],
        "hyperparameters": {"epochs": epochs},
    }
    model = api.ok("POST", "/models", json=body)
    return api.wait_job(model["id"])


def test_retrain_and_train_further_start_from_the_base_model(page: Page, ui_api: Api) -> None:
    base = trained_model(ui_api, "base-e2e", epochs=2)
    assert base["status"] == "done"

    page.goto(f"/models/{base['id']}")
    page.get_by_test_id("retrain").click()
    page.wait_for_url(f"**/models/{base['id']}/retrain")
    expect(page.get_by_test_id("base-model")).to_contain_text("base-e2e")
    expect(page.get_by_test_id("model-name")).to_have_value("base-e2e-retrained")
    assert editor_json(page)["epochs"] == 2  # the base's settings, not the defaults
    expect_no_problem_shown(page)
    screenshot(page, "retrain")
    page.get_by_test_id("start-training").click()
    page.wait_for_url("**/models/model-*")
    retrained = page.url.rsplit("/", 1)[-1]
    assert retrained != base["id"]
    expect(page.get_by_test_id("model-detail")).to_have_attribute("data-status", "done", timeout=120_000)
    assert ui_api.ok("GET", f"/models/{retrained}")["base_model_id"] in (None, base["id"])

    page.goto(f"/models/{base['id']}")
    page.get_by_test_id("continue").click()
    page.wait_for_url(f"**/models/{base['id']}/continue")
    expect(page.get_by_test_id("model-name")).to_have_value("base-e2e-continued")
    set_editor(page, json.dumps({**editor_json(page), "epochs": 1}, indent=2))
    screenshot(page, "train-further")
    page.get_by_test_id("start-training").click()
    page.wait_for_url("**/models/model-*")
    continued = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_test_id("model-detail")).to_have_attribute("data-status", "done", timeout=120_000)
    model = ui_api.ok("GET", f"/models/{continued}")
    assert model["base_model_id"] == base["id"]
    assert model["hyperparameters"]["epochs"] == 1
    expect(page.get_by_test_id("basic-info")).to_contain_text("base-e2e")


def test_stop_a_training(page: Page, ui_api: Api) -> None:
    body = {"name": "long-e2e", "kernel": "image-classification", "training_datasets": ["digits"]}
    model = ui_api.ok("POST", "/models", json={**body, "hyperparameters": {"epochs": 500}})
    page.goto(f"/models/{model['id']}")
    expect(page.get_by_test_id("model-detail")).to_have_attribute("data-status", "training", timeout=60_000)
    page.get_by_test_id("stop").click()
    expect(page.get_by_test_id("model-detail")).to_have_attribute("data-status", "stopped", timeout=60_000)
    expect(page.get_by_test_id("stop")).to_have_count(0)
    screenshot(page, "stopped")
    assert ui_api.ok("GET", f"/models/{model['id']}")["status"] == "stopped"
