"""Helpers for the browser tests: a signed-in page, screenshots, the hyperparameter editor, uploads."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
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


def zip_of(path: Path, files: dict[str, bytes | str]) -> Path:
    """A .zip at `path` holding `files` (name -> content), as a person zips a folder."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


@contextmanager
def signed_in(browser, base_url: str, token: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A page signed in with `token` (taken from the URL, as `vlad up` prints it); fails on JS errors."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, base_url=base_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/?token={token}")
    page.wait_for_url("**/models")
    assert "token=" not in page.url, "the token must be taken out of the address"
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def record_progress(page) -> None:  # type: ignore[no-untyped-def]
    """Collect every value any progress bar of the page shows, into window.__progress."""
    page.evaluate(
        """() => {
          window.__progress = [];
          new MutationObserver(() => {
            for (const bar of document.querySelectorAll('[role=progressbar]'))
              window.__progress.push(Number(bar.getAttribute('aria-valuenow')));
          }).observe(document.body, {subtree: true, childList: true, attributes: true,
                                     attributeFilter: ['aria-valuenow']});
        }"""
    )


def slow_uploads(page, bytes_per_second: int) -> None:  # type: ignore[no-untyped-def]
    """Throttle the page's uploads (Chromium's network emulation) so progress can be seen."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second},
    )
