"""The Queue screen: executors' load, why a job waits, its priority changed in place (and a
member's raise refused as the API words it); the wait shown on the job's own page; the
scheduling fields of the train form and an experiment's max_parallel.

Everything happens in a project of this module's own, whose quota of one running job makes
the second of two slow jobs wait.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import TINY_KERNEL
from tests.e2e.ui import screenshot, signed_in

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.e2e

SLOW = {"steps": 600, "sleep": 0.2}  # 2 minutes: stopped by the tests
QUOTA_REASON = "project quota of 1 running job reached"


@dataclass
class Project:
    name: str
    token: str
    api: Api
    running: str  # the slow job that holds the quota
    waiting: str  # the slow job that waits for it


def stop(api: Api, job_id: str) -> None:
    """Stop a job unless it has ended already (409)."""
    response = api.post(f"/jobs/{job_id}/stop")
    assert response.status_code in (200, 409), response.text


def train(api: Api, **extra: object) -> str:
    body = {"kernel": "tiny", "training_datasets": ["digits"], "hyperparameters": SLOW, **extra}
    return str(api.ok("POST", "/models", json=body)["id"])


@pytest.fixture(scope="module")
def project(ui_api: Api, ui_platform: RunningPlatform) -> Iterator[Project]:
    created = ui_api.ok("POST", "/projects", json={"name": "e2e-queue"})
    with Api(str(ui_api.base_url).rstrip("/"), created["token"]) as api:
        api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})
        digits = ui_platform.data_dir / "demo" / "digits"
        dataset = {"name": "digits", "training_type": "classification", "location": str(digits)}
        api.ok("POST", "/datasets", json=dataset)
        api.ok("PATCH", f"/projects/{created['id']}", json={"quota_running": 1})
        running, waiting = train(api), train(api)
        try:
            api.wait_for(f"/jobs/{running}", lambda j: j["placed_at"] is not None, timeout=60)
            api.wait_for(f"/jobs/{waiting}", lambda j: j["wait_reason"] == QUOTA_REASON, timeout=60)
            yield Project(created["name"], created["token"], api, running, waiting)
        finally:
            for job_id in (running, waiting):
                stop(api, job_id)
            api.ok("PATCH", f"/projects/{created['id']}", json={"quota_running": None})


@pytest.fixture
def queue_page(browser, ui_platform: RunningPlatform, project: Project) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    with signed_in(browser, ui_platform.url, project.token) as page:
        page.get_by_test_id("nav-queue").click()
        page.wait_for_url("**/queue")
        yield page


def row(page: Page, job_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f"[data-testid=queue-row][data-job={job_id}]")


def test_the_queue_shows_the_load_and_why_a_job_waits(queue_page: Page, project: Project) -> None:
    page = queue_page
    local = page.locator("[data-testid=executor-load][data-executor=local]")
    expect(local.get_by_test_id("load-cpus")).to_contain_text("/")
    expect(local.get_by_test_id("load-jobs")).to_be_visible()
    ours = page.locator(f"[data-testid=project-queue][data-project={project.name}]")
    expect(ours.get_by_test_id("project-rules")).to_contain_text("running jobs quota: 1")
    expect(row(page, project.running)).to_have_attribute("data-state", "running")
    waiting = row(page, project.waiting)
    expect(waiting).to_have_attribute("data-state", "waiting")
    expect(waiting.get_by_test_id("wait-reason")).to_have_text(QUOTA_REASON)
    expect(waiting.get_by_test_id("queue-position")).to_have_text(re.compile(r"^\d+$"))
    expect(waiting).to_contain_text("1 CPU")
    # The name leads to the model's page, where the wait is shown too.
    screenshot(page, "queue")
    waiting.get_by_role("link").click()
    page.wait_for_url(f"**/models/{project.waiting}")
    status = page.get_by_test_id("job-status")
    expect(status.get_by_test_id("wait-reason")).to_have_text(QUOTA_REASON)
    expect(status.get_by_test_id("queue-position")).to_contain_text(re.compile(r"\d"))


def test_a_waiting_jobs_priority_is_changed_in_place(
    queue_page: Page, project: Project, browser, ui_platform: RunningPlatform
) -> None:  # type: ignore[no-untyped-def]
    page = queue_page
    editor = row(page, project.waiting).get_by_test_id("priority-editor")
    editor.get_by_test_id("priority-input").fill("-7")
    editor.get_by_test_id("priority-save").click()
    project.api.wait_for(f"/jobs/{project.waiting}", lambda j: j["priority"] == -7, timeout=10)
    page.wait_for_timeout(3000)  # a poll later, the saved value is still shown
    expect(editor.get_by_test_id("priority-input")).to_have_value("-7")
    # A running job's priority is only shown.
    expect(row(page, project.running).get_by_test_id("priority-editor")).to_have_count(0)

    member = project.api.ok("POST", "/tokens", json={"name": "member", "role": "member"})["token"]
    with signed_in(browser, ui_platform.url, member) as as_member:
        as_member.goto("/queue")
        theirs = row(as_member, project.waiting).get_by_test_id("priority-editor")
        theirs.get_by_test_id("priority-input").fill("5")
        theirs.get_by_test_id("priority-save").click()
        expect(theirs.get_by_test_id("priority-error")).to_contain_text("only an admin token may set")
        screenshot(as_member, "queue-priority-refused")
    assert project.api.ok("GET", f"/jobs/{project.waiting}")["priority"] == -7


def test_the_train_form_sends_priority_and_resources(
    browser, ui_platform: RunningPlatform, project: Project
) -> None:  # type: ignore[no-untyped-def]
    with signed_in(browser, ui_platform.url, project.token) as page:
        page.goto("/models/new")
        page.get_by_test_id("training-datasets").get_by_role("checkbox").first.check()
        expect(page.get_by_test_id("kernel-summary")).to_contain_text("tiny")
        start = page.get_by_test_id("start-training")
        page.get_by_test_id("priority").fill("500")
        expect(page.get_by_test_id("scheduling")).to_contain_text("-100 to 100")
        expect(start).to_be_disabled()
        page.get_by_test_id("priority").fill("-2")
        page.get_by_test_id("memory-gb").fill("1.5")
        expect(start).to_be_enabled()
        # A batch's cap on runs at once is checked as the API checks it.
        page.get_by_test_id("batch-enable").check()
        page.get_by_test_id("batch-name").fill("capped-batch")
        page.get_by_test_id("batch-max-parallel").fill("0")
        expect(page.get_by_test_id("blockers")).to_contain_text("at least 1")
        expect(start).to_be_disabled()
        screenshot(page, "train-scheduling")
        page.get_by_test_id("batch-enable").uncheck()
        expect(start).to_be_enabled()
        start.click()
        page.wait_for_url("**/models/model-*")
        model_id = page.url.rsplit("/", 1)[-1]
        try:
            job = project.api.ok("GET", f"/jobs/{model_id}")
            assert (job["priority"], job["memory_gb"]) == (-2, 1.5)
            expect(page.get_by_test_id("job-priority")).to_have_text("-2")
            expect(page.get_by_test_id("job-resources")).to_contain_text("1.5 GB")
        finally:
            stop(project.api, model_id)


def test_an_experiments_max_parallel_is_shown_and_changed(
    browser, ui_platform: RunningPlatform, project: Project
) -> None:  # type: ignore[no-untyped-def]
    body = {
        "name": "capped",
        "base": {"kernel": "tiny", "training_datasets": ["digits"], "hyperparameters": SLOW},
        "runs": [{"steps": 1}, {"steps": 2}],
        "max_parallel": 2,
    }
    experiment = project.api.ok("POST", "/experiments", json=body)
    try:
        with signed_in(browser, ui_platform.url, project.token) as page:
            page.goto(f"/experiments/{experiment['id']}")
            value = page.get_by_test_id("max-parallel-value")
            expect(value).to_have_text("at most 2")
            page.get_by_test_id("max-parallel-input").fill("1")
            page.get_by_test_id("max-parallel-save").click()
            expect(value).to_have_text("at most 1")
            assert project.api.ok("GET", f"/experiments/{experiment['id']}")["max_parallel"] == 1
            page.get_by_test_id("max-parallel-input").fill("")
            page.get_by_test_id("max-parallel-save").click()
            expect(value).to_have_text("no cap")
            assert project.api.ok("GET", f"/experiments/{experiment['id']}")["max_parallel"] is None
            page.get_by_test_id("max-parallel-input").fill("0")
            expect(page.get_by_test_id("max-parallel-save")).to_be_disabled()
    finally:
        project.api.ok("DELETE", f"/experiments/{experiment['id']}")
