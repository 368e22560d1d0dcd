"""The train and import forms: problems shown at their fields before anything is sent."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.ui import editor_json, screenshot, set_editor

pytestmark = pytest.mark.e2e


def open_train_form(page: Page) -> dict:
    page.get_by_test_id("go-train").click()
    page.get_by_test_id("training-datasets").get_by_role("checkbox").first.check()
    return editor_json(page)


def test_schema_error_is_shown_at_its_field_and_blocks_the_start(page: Page) -> None:
    hyperparameters = open_train_form(page)
    start = page.get_by_test_id("start-training")
    expect(start).to_be_enabled()

    set_editor(page, json.dumps({**hyperparameters, "learning_rate": -1}, indent=2))
    # In the editor: the learning_rate line is marked and carries the message.
    marked = page.locator("[data-testid=hp-editor] .cm-problem-line")
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text('"learning_rate": -1')
    expect(marked.get_by_test_id("editor-problem")).to_contain_text("must be > 0")
    # In the schema beside it, the field's row; in the list under the editor, the field's name.
    expect(page.get_by_test_id("schema-row-learning_rate")).to_have_class("has-problem")
    expect(page.get_by_test_id("schema-row-learning_rate")).to_contain_text("-1 must be > 0")
    expect(page.locator("[data-testid=hp-problem][data-field=learning_rate]")).to_be_visible()
    expect(start).to_be_disabled()
    expect(page.get_by_test_id("blockers")).to_contain_text("1 problem")
    screenshot(page, "train-schema-error")

    # A missing required field is named too; fixing both lets the training start.
    broken = {k: v for k, v in hyperparameters.items() if k != "model_type"}
    set_editor(page, json.dumps({**broken, "learning_rate": -1}, indent=2))
    expect(page.locator("[data-testid=hp-problem][data-field=model_type]")).to_contain_text("required")
    expect(page.get_by_test_id("schema-row-model_type")).to_have_class("has-problem")
    set_editor(page, "{ not json")
    expect(page.get_by_test_id("hp-json-error")).to_be_visible()
    expect(start).to_be_disabled()
    set_editor(page, json.dumps(hyperparameters, indent=2))
    expect(page.get_by_test_id("hp-ok")).to_be_visible()
    expect(start).to_be_enabled()


def test_gpu_count_outside_the_kernels_range_is_refused(page: Page) -> None:
    open_train_form(page)
    gpus = page.get_by_test_id("gpu-count")
    start = page.get_by_test_id("start-training")
    # The reference kernel declares supported_gpu_count 0..4.
    expect(gpus).to_have_attribute("min", "0")
    expect(gpus).to_have_attribute("max", "4")
    gpus.fill("5")
    expect(page.get_by_test_id("gpu-error")).to_contain_text("outside this kernel's range: choose 0 to 4")
    expect(gpus).to_have_attribute("aria-invalid", "true")
    expect(start).to_be_disabled()
    screenshot(page, "train-gpu-refused")
    gpus.fill("1.5")
    expect(page.get_by_test_id("gpu-error")).to_contain_text("whole number")
    gpus.fill("2")
    expect(page.get_by_test_id("gpu-error")).to_have_count(0)
    expect(start).to_be_enabled()


def test_model_type_fills_the_editor_with_its_defaults(page: Page) -> None:
    open_train_form(page)
    page.get_by_test_id("model-type").select_option("mlp")
    assert editor_json(page)["model_type"] == "mlp"
    assert editor_json(page)["width"] == 256
    assert "image-classification-mlp-" in page.get_by_test_id("model-name").input_value()


def test_import_a_model_with_its_settings_file(page: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    model_file = tmp_path / "digits-cnn.pt"
    model_file.write_bytes(b"\x80\x04 weights")
    settings = tmp_path / "model.json"
    settings.write_text(
        json.dumps({"training_type": "classification", "model_type": "small_cnn", "epochs": 3})
    )

    page.get_by_test_id("go-import").click()
    page.get_by_test_id("import-model-file").set_input_files(str(model_file))
    page.get_by_test_id("import-settings-file").set_input_files(str(settings))
    expect(page.get_by_test_id("import-training-type")).to_contain_text("classification")
    # The kernel supporting the settings' training type is filled in; it can be changed.
    expect(page.get_by_test_id("kernel-summary")).to_contain_text("image-classification")
    page.get_by_test_id("change-kernel").click()
    page.get_by_test_id("pick-kernel-image-classification").click()
    expect(page.get_by_test_id("import-name")).to_have_value("digits-cnn")
    screenshot(page, "import")
    page.get_by_test_id("import-submit").click()

    page.wait_for_url("**/models/model-*")
    expect(page.get_by_test_id("model-detail")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("basic-info")).to_contain_text("import")
    expect(page.get_by_test_id("settings")).to_contain_text('"epochs": 3')
    screenshot(page, "imported-model")


def test_the_platforms_refusal_is_shown_at_its_fields(page: Page) -> None:
    """Checks only the platform can make (here: a 422 it is made to answer) land on the form too."""
    hyperparameters = open_train_form(page)
    refusal = {
        "detail": "the hyperparameters do not satisfy the kernel's schema: $.epochs: too many",
        "errors": [
            {
                "field": "hyperparameters.epochs",
                "path": "$.epochs",
                "problem": "12 is too many",
                "allowed": "<= 5",
            },
            {"field": "gpu_count", "problem": "2 GPUs are busy", "allowed": "0..1"},
        ],
    }
    page.route(
        "**/api/v1/models",
        lambda route: (
            route.fulfill(status=422, json=refusal) if route.request.method == "POST" else route.continue_()
        ),
    )
    page.get_by_test_id("start-training").click()
    expect(page.get_by_test_id("error-box")).to_contain_text("do not satisfy the kernel's schema")
    marked = page.locator("[data-testid=hp-editor] .cm-problem-line")
    expect(marked).to_contain_text(f'"epochs": {hyperparameters["epochs"]}')
    expect(marked.get_by_test_id("editor-problem")).to_contain_text("12 is too many")
    expect(page.get_by_test_id("schema-row-epochs")).to_have_class("has-problem")
    expect(page.locator(".field", has=page.get_by_test_id("gpu-count"))).to_contain_text("2 GPUs are busy")
    # Editing the hyperparameters clears the platform's verdict on the old text.
    set_editor(page, json.dumps({**hyperparameters, "epochs": 3}, indent=2))
    expect(page.get_by_test_id("hp-ok")).to_be_visible()
