"""An experiment that searches (issue 14), as its page shows it while it runs and once done:
where the search stands, its best trial, the objective of each trial over its steps, the
hyperparameter against the objective, and the trials with the pruned one greyed.

The search runs the deterministic test kernel `quadratic` (its score depends on x alone, best
at x = 0.3) in a project of this module's own, so the other tests' train form is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.ui import REPO, screenshot, signed_in

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.e2e
QUADRATIC = REPO / "tests" / "fixtures" / "kernels" / "quadratic"


@pytest.fixture(scope="module")
def search_project(ui_api: Api, ui_platform: RunningPlatform) -> Iterator[tuple[str, Api]]:
    """A project with the quadratic kernel and the demo dataset: its token and an API client."""
    created = ui_api.ok("POST", "/projects", json={"name": "e2e-search"})
    with Api(str(ui_api.base_url).rstrip("/"), created["token"]) as api:
        api.ok("POST", "/kernels", json={"path": str(QUADRATIC)})
        digits = ui_platform.data_dir / "demo" / "digits"
        dataset = {"name": "digits", "training_type": "classification", "location": str(digits)}
        api.ok("POST", "/datasets", json=dataset)
        yield created["token"], api


@pytest.fixture
def search_page(browser, ui_platform: RunningPlatform, search_project: tuple[str, Api]) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with signed_in(browser, ui_platform.url, search_project[0]) as page:
        yield page


def test_a_search_shows_its_best_trial_charts_and_pruned_trials(
    search_page: Page, search_project: tuple[str, Api]
) -> None:
    page, api = search_page, search_project[1]
    body = {
        "name": "find-x-e2e",
        "base": {
            "kernel": "quadratic",
            "training_datasets": ["digits"],
            # Slow enough for the searcher (a pass a second) to prune the bad trial midway.
            "hyperparameters": {"steps": 8, "sleep": 0.4},
        },
        "search": {
            "space": {"x": {"type": "float", "low": -1, "high": 1}},
            "sampler": "random",
            "objective": {"metric": "score.value", "mode": "max"},
            "pruner": "asha",
            "max_trials": 3,
            "max_parallel": 1,
            "seed": 0,
            "first": [{"x": 0.3}, {"x": -1.0}],
        },
    }
    experiment = api.ok("POST", "/experiments", json=body)

    # Opened while it runs: the page follows the search without being reloaded.
    page.goto(f"/experiments/{experiment['id']}")
    page.evaluate("window.__sameDocument = true")
    search = page.get_by_test_id("search")
    expect(search).to_be_visible()
    expect(page.get_by_test_id("search-objective")).to_contain_text("score.value")
    expect(page.get_by_test_id("search-sampler")).to_have_text("random")
    expect(page.get_by_test_id("search-pruner")).to_have_text("asha")
    expect(search).to_have_attribute("data-state", "done", timeout=90_000)
    assert page.evaluate("window.__sameDocument") is True

    done = api.ok("GET", f"/experiments/{experiment['id']}")["search"]
    best = done["best"]
    assert best["params"] == {"x": 0.3}
    pruned = [t for t in done["trials"] if t["state"] == "PRUNED"]
    assert [t["params"] for t in pruned][:1] == [{"x": -1.0}]

    expect(page.get_by_test_id("search-count")).to_contain_text("3 of 3")
    best_box = page.get_by_test_id("search-best")
    expect(best_box).to_have_attribute("data-trial", str(best["number"]))
    expect(page.get_by_test_id("search-best-params")).to_have_text("x = 0.3")
    expect(page.get_by_test_id("search-best-value")).to_have_text(re.compile(r"^0\.9\d*$|^1$"))
    expect(best_box.get_by_test_id("trial-run")).to_have_attribute("href", f"/models/{best['model_id']}")

    trials = page.get_by_test_id("search-trials")
    expect(trials.locator("tbody tr")).to_have_count(3)
    pruned_row = trials.locator(f"tr[data-trial='{pruned[0]['number']}']")
    expect(pruned_row).to_have_class(re.compile(r"\bpruned\b"))
    expect(pruned_row.get_by_test_id("trial-state")).to_have_text("pruned")
    best_row = trials.locator("tr[data-best=true]")
    expect(best_row).to_have_attribute("data-trial", str(best["number"]))
    expect(best_row.get_by_test_id("trial-best")).to_be_visible()

    chart = page.get_by_test_id("search-objective-chart")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart).to_have_attribute("data-points", "8")  # steps 1..8 of the complete trials
    expect(chart.locator(".u-legend")).to_contain_text(f"#{best['number']} ★ best")
    expect(chart.locator(".u-legend")).to_contain_text(f"#{pruned[0]['number']} (pruned)")

    x_chart = page.get_by_test_id("search-param-x")
    expect(x_chart).to_have_attribute("data-points", "3")
    expect(x_chart.locator("circle[data-kind=best]")).to_have_count(1)
    expect(x_chart.locator("circle[data-kind=pruned]")).to_have_count(len(pruned))
    screenshot(page, "search")

    # The pruned run's own page says why it ended; the list names the experiment a search.
    pruned_row.get_by_test_id("trial-run").click()
    page.wait_for_url(f"**/models/{pruned[0]['model_id']}")
    expect(page.get_by_test_id("job-status").get_by_test_id("status-badge")).to_have_text("pruned")
    expect(page.get_by_test_id("job-error")).to_contain_text("Pruned by its search (asha): score.value")
    page.get_by_test_id("nav-experiments").click()
    row = page.get_by_test_id("experiments-table").locator("tr", has_text="find-x-e2e")
    expect(row.get_by_test_id("experiment-kind")).to_contain_text("search")
