"""`vlad queue`, `vlad projects set-rules`, `--max-parallel` and the submission options of
the scheduler, as users run them: a subprocess against the session's platform.

Everything happens in a project of this module's own, whose quota of one running job makes
the second of two slow jobs wait, so the queue has a reason to show.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from tests.conftest import TINY_KERNEL
from tests.integration.test_cli import as_json, ok, vlad

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.broker

SLOW = ("--kernel", "tiny", "--set", "steps=600", "--set", "sleep=0.2")  # 2 minutes: stopped here
QUOTA_REASON = "project quota of 1 running job reached"


@dataclass
class Project:
    name: str
    admin: dict[str, str]  # the environment of a CLI with the project's admin token
    member: dict[str, str]


def stop(api: Api, job_id: str) -> None:
    """Stop a job unless it has ended already (409)."""
    response = api.post(f"/jobs/{job_id}/stop")
    assert response.status_code in (200, 409), response.text


@pytest.fixture(scope="module")
def project(project_api: Api) -> Project:
    project_api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})
    member = project_api.ok("POST", "/tokens", json={"name": "member", "role": "member"})["token"]
    admin = project_api.headers["Authorization"].removeprefix("Bearer ")
    name = project_api.ok("GET", "/project")["name"]
    return Project(name, {"VLAD_TOKEN": admin}, {"VLAD_TOKEN": member})


def cli(platform: RunningPlatform, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return vlad(platform, *args, env=env)


def submit(platform: RunningPlatform, project: Project, *extra: str) -> dict:
    return as_json(
        cli(platform, project.admin, "models", "train", "--dataset", "digits", *SLOW, *extra, "--json")
    )


@pytest.fixture(scope="module")
def queued(platform: RunningPlatform, project_api: Api, project: Project) -> Iterator[tuple[str, str]]:
    """Two slow jobs under a quota of one running job: the first runs, the second waits."""
    ok(cli(platform, project.admin, "projects", "set-rules", project.name, "--quota-running", "1"))
    first, second = submit(platform, project)["id"], submit(platform, project)["id"]
    try:
        project_api.wait_for(f"/jobs/{first}", lambda j: j["placed_at"] is not None, timeout=60)
        project_api.wait_for(f"/jobs/{second}", lambda j: j["wait_reason"] == QUOTA_REASON, timeout=60)
        yield first, second
    finally:
        for job_id in (first, second):
            stop(project_api, job_id)
        project_api.ok("PATCH", f"/projects/{project.name}", json={"quota_running": None})


def test_queue_shows_the_load_and_why_a_job_waits(
    platform: RunningPlatform, project: Project, queued: tuple[str, str]
) -> None:
    first, second = queued
    shown = ok(cli(platform, project.admin, "queue"))
    assert shown == ok(cli(platform, project.admin, "queue", "show"))
    assert "executor" in shown and "local" in shown
    running = next(line for line in shown.splitlines() if first in line)
    waiting = next(line for line in shown.splitlines() if second in line)
    assert "running" in running or "starting" in running
    assert "waiting" in waiting and QUOTA_REASON in waiting
    assert "1 CPU" in waiting  # its resources
    queue = as_json(cli(platform, project.admin, "queue", "--json"))
    jobs = {j["id"]: j for j in queue["jobs"]}
    assert jobs[second]["queue_position"] is not None and jobs[second]["wait_reason"] == QUOTA_REASON
    assert [p["quota_running"] for p in queue["projects"] if p["name"] == project.name] == [1]


def test_priority_of_a_waiting_job(
    platform: RunningPlatform, project: Project, queued: tuple[str, str]
) -> None:
    first, second = queued
    refused = cli(platform, project.member, "queue", "priority", second, "5")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "only an admin token may set" in refused.stderr
    lowered = ok(cli(platform, project.member, "queue", "priority", second, "-5"))
    assert "priority -5" in lowered
    raised = as_json(cli(platform, project.admin, "queue", "priority", second, "10", "--json"))
    assert raised["priority"] == 10
    row = next(line for line in ok(cli(platform, project.admin, "queue")).splitlines() if second in line)
    assert "│ 10 " in row
    placed = cli(platform, project.admin, "queue", "priority", first, "1")
    assert placed.returncode == 1 and "only a job waiting for the scheduler" in placed.stderr


def test_set_rules_as_admin_and_not_as_member(platform: RunningPlatform, project: Project) -> None:
    args = ("projects", "set-rules", project.name)
    shown = ok(cli(platform, project.admin, *args, "--share", "2", "--quota-gpus", "3"))
    assert "share 2" in shown and "3 GPUs" in shown
    rules = as_json(cli(platform, project.admin, *args, "--share", "1", "--quota-gpus", "none", "--json"))
    assert rules["share"] == 1 and rules["quota_gpus"] is None
    refused = cli(platform, project.member, *args, "--share", "5")
    assert refused.returncode == 1 and "needs an admin token" in refused.stderr
    nothing = cli(platform, project.admin, *args)
    assert nothing.returncode == 1 and "--quota-running" in nothing.stderr
    bad = cli(platform, project.admin, *args, "--quota-running", "many")
    assert bad.returncode != 0 and "none" in bad.stderr


def test_submission_options_reach_the_job(
    platform: RunningPlatform, project: Project, project_api: Api
) -> None:
    model = submit(platform, project, "--priority", "-3", "--cpus", "0.5", "--memory-gb", "1.5")
    try:
        job = model["job"]
        assert (job["priority"], job["cpus"], job["memory_gb"]) == (-3, 0.5, 1.5)
        shown = ok(cli(platform, project.admin, "models", "show", model["id"]))
        assert "-3" in shown and "0.5" in shown
    finally:
        stop(project_api, model["id"])
    # Checked by the API, before it looks for the model: the value reached it.
    refused = cli(
        platform, project.admin, "validations", "create", "model-0", "-d", "digits", "--priority", "500"
    )
    assert refused.returncode == 1 and "priority" in refused.stderr


def test_experiment_max_parallel(platform: RunningPlatform, project: Project) -> None:
    create = ("experiments", "create", "capped", "--dataset", "digits", "--kernel", "tiny")
    runs = ("--run", '{"steps": 1}', "--run", '{"steps": 2}')
    experiment = as_json(cli(platform, project.admin, *create, *runs, "--max-parallel", "2", "--json"))
    eid = experiment["id"]
    try:
        assert experiment["max_parallel"] == 2
        changed = ok(cli(platform, project.admin, "experiments", "set-max-parallel", eid, "1"))
        assert "at most 1 run at once" in changed
        assert "at most 1 run at once" in ok(cli(platform, project.admin, "experiments", "show", eid))
        uncapped = as_json(
            cli(platform, project.admin, "experiments", "set-max-parallel", eid, "none", "--json")
        )
        assert uncapped["max_parallel"] is None
        refused = cli(platform, project.admin, "experiments", "set-max-parallel", eid, "0")
        assert refused.returncode == 1 and "max_parallel" in refused.stderr
    finally:
        ok(cli(platform, project.admin, "experiments", "delete", eid, "--yes"))
