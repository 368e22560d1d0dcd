"""Browser tests of the web UI: Debian's Chromium driven by Playwright, against `vlad up`.

Needs the built UI (`make frontend`) and `/usr/bin/chromium` (`make test` provides both).
Without them these tests are skipped, with the reason, unless VLAD_E2E_REQUIRED=1 (set
by `make test`), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.e2e.ui import signed_in

from vlad.devtools.platform_process import Api, RunningPlatform
from vlad.server.webui import FRONTEND_DIST

CHROMIUM = os.environ.get("VLAD_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google, which this
# machine's closed network refuses; --no-sandbox because the tests may run as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _missing() -> str | None:
    if not (FRONTEND_DIST / "index.html").is_file():
        return f"the web UI is not built ({FRONTEND_DIST} is missing): run `make frontend`"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: `apt-get install chromium` (make test does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="session")
def e2e_ready() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("VLAD_E2E_REQUIRED") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def ui_platform(
    e2e_ready: None, tmp_path_factory: pytest.TempPathFactory, broker_url: str
) -> Iterator[RunningPlatform]:
    running = RunningPlatform(tmp_path_factory.mktemp("ui-platform"), broker_url).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def ui_api(ui_platform: RunningPlatform) -> Iterator[Api]:
    with ui_platform.client() as client:
        yield client


@pytest.fixture(scope="session")
def token(ui_platform: RunningPlatform) -> str:
    return json.loads(ui_platform.cli_config.read_text())["token"]


@pytest.fixture(scope="session")
def browser(e2e_ready: None) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, ui_platform: RunningPlatform, token: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A signed-in page (the token taken from the URL, as `vlad up` prints it); fails on JS errors."""
    with signed_in(browser, ui_platform.url, token) as page:
        yield page
