"""Helpers for the browser tests: screenshots and the hyperparameter editor."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"
# The README shows these; VLAD_UPDATE_DOC_SCREENSHOTS=1 refreshes them from a test run.
DOC_NAMES = {"model-detail"}


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot as a test artifact (and, on request, for the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky navigation is drawn where the page is scrolled
    page.screenshot(path=str(path), full_page=True)
    if name in DOC_NAMES and os.environ.get("VLAD_UPDATE_DOC_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOC_SCREENSHOTS / path.name)
    return path


def set_editor(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Replace the hyperparameter editor's text, as a person would: select all, type."""
    editor = page.locator("[data-testid=hp-editor] .cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def editor_json(page) -> dict:  # type: ignore[no-untyped-def]
    page.get_by_test_id("hp-ok").wait_for()
    return json.loads(page.locator("[data-testid=hp-editor] .cm-content").inner_text())
