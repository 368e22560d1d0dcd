"""The platform's scheduler on a real platform (`vlad up`, local executor): capacity,
order, quotas, max_parallel, reasons, and a restart that keeps the queue."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import TINY_KERNEL

from vlad.devtools.platform_process import Api, RunningPlatform

SLOW = {"steps": 8, "sleep": 0.15}  # about 1.2 s a run
SLOWER = {"steps": 8, "sleep": 0.5}  # about 4 s a run


@pytest.fixture(scope="module")
def two_slots(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> Iterator[RunningPlatform]:
    """A platform whose machine counts 2 CPUs, whatever this one has."""
    running = RunningPlatform(
        tmp_path_factory.mktemp("sched"), broker_url, extra_env={"VLAD_CPUS": "2", "VLAD_MEMORY_GB": "8"}
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin(two_slots: RunningPlatform) -> Iterator[Api]:
    with two_slots.client() as client:
        client.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})
        yield client


def experiment(api: Api, name: str, runs: int, hyperparameters: dict = SLOW, **extra: object) -> dict:
    return api.ok(
        "POST",
        "/experiments",
        json={
            "name": name,
            "base": {"kernel": "tiny", "training_datasets": ["digits"], "hyperparameters": hyperparameters},
            "runs": [{"steps": hyperparameters["steps"] + i % 2} for i in range(runs)],
            **extra,
        },
    )


def watch_until_done(api: Api, job_ids: set[str], timeout: float = 120) -> tuple[int, list[str]]:
    """Poll the queue until every job has ended: the most jobs held at once, and every
    reason seen."""
    most, reasons = 0, []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        queue = api.ok("GET", "/queue")
        ours = [j for j in queue["jobs"] if j["id"] in job_ids]
        most = max(most, sum(j["state"] in ("starting", "running") for j in ours))
        reasons += [j["wait_reason"] for j in ours if j["wait_reason"]]
        if not ours:
            return most, reasons
        time.sleep(0.1)
    raise TimeoutError(f"jobs still active: {ours}")


def test_no_more_runs_than_the_cpus_allow_and_none_starves(admin: Api) -> None:
    created = experiment(admin, "capacity", runs=6)
    ids = {run["model"]["id"] for run in created["runs"]}
    most, reasons = watch_until_done(admin, ids)
    assert most == 2
    assert any(r.startswith("needs 1 CPU, 0 free on this machine") for r in reasons), reasons
    done = admin.ok("GET", f"/experiments/{created['id']}")
    assert done["status_counts"] == {"done": 6}


def test_max_parallel_holds_an_experiment_and_can_be_changed(admin: Api) -> None:
    created = experiment(admin, "one-at-a-time", runs=3, max_parallel=1)
    assert created["max_parallel"] == 1
    ids = {run["model"]["id"] for run in created["runs"]}
    most, reasons = watch_until_done(admin, ids)
    assert most == 1
    assert "experiment max_parallel 1 reached" in reasons


def test_priority_orders_the_queue_and_a_member_cannot_raise_it(admin: Api) -> None:
    # Fill both slots, then queue three runs and move the last to the front.
    blockers = experiment(admin, "blockers", runs=2, hyperparameters=SLOWER)
    queued = experiment(admin, "queued", runs=3)
    ids = [run["model"]["id"] for run in queued["runs"]]
    admin.wait_for(f"/jobs/{ids[2]}", lambda j: j["queue_position"] is not None, timeout=30)
    changed = admin.ok("PATCH", f"/jobs/{ids[2]}", json={"priority": 10})
    assert changed["priority"] == 10
    admin.wait_for(f"/jobs/{ids[2]}", lambda j: j["queue_position"] == 1 or j["placed_at"], timeout=30)
    member_token = admin.ok("POST", "/tokens", json={"name": "member", "role": "member"})["token"]
    with Api(str(admin.base_url).rstrip("/"), member_token) as member:
        refused = member.patch(f"/jobs/{ids[1]}", json={"priority": 5})
        assert refused.status_code == 403, refused.text
        assert "only an admin token" in refused.json()["detail"]
        lowered = member.patch(f"/jobs/{ids[1]}", json={"priority": -5})
        assert lowered.status_code in (200, 409), lowered.text
    watch_until_done(admin, {r["model"]["id"] for r in blockers["runs"]} | set(ids))
    placed = {i: admin.ok("GET", f"/jobs/{i}")["placed_at"] for i in ids}
    assert placed[ids[2]] <= placed[ids[0]] <= placed[ids[1]], placed
    ended = admin.patch(f"/jobs/{ids[0]}", json={"priority": 1})
    assert ended.status_code == 409
    assert "only a job waiting for the scheduler" in ended.json()["detail"]


def test_project_quota_and_its_reason(admin: Api, two_slots: RunningPlatform) -> None:
    project = admin.ok("GET", "/project")["name"]
    rules = admin.ok("PATCH", f"/projects/{project}", json={"quota_running": 1})
    assert rules["quota_running"] == 1
    try:
        created = experiment(admin, "quota", runs=2)
        most, reasons = watch_until_done(admin, {r["model"]["id"] for r in created["runs"]})
        assert most == 1
        assert "project quota of 1 running job reached" in reasons
    finally:
        admin.ok("PATCH", f"/projects/{project}", json={"quota_running": None})


def test_a_restart_keeps_the_queue_and_its_order(tmp_path: Path, broker_url: str) -> None:
    platform = RunningPlatform(tmp_path / "data", broker_url, extra_env={"VLAD_CPUS": "1"}).start()
    try:
        with platform.client() as api:
            api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})
            # 8 s a run: the first is still running when the platform is back.
            created = experiment(api, "restart", runs=4, hyperparameters={"steps": 8, "sleep": 1.0})
            ids = [r["model"]["id"] for r in created["runs"]]

            def positions(queue: dict) -> dict[str, int]:
                return {j["id"]: j["queue_position"] for j in queue["jobs"] if j["queue_position"]}

            # Runs are prepared in any order; the first prepared starts, three wait.
            queue = api.wait_for("/queue", lambda q: len(positions(q)) == 3, timeout=30)
            waiting = sorted(positions(queue), key=ids.index)
            last = waiting[-1]
            api.ok("PATCH", f"/jobs/{last}", json={"priority": 5})
            queue = api.wait_for("/queue", lambda q: positions(q).get(last) == 1, timeout=30)
            before = positions(queue)
            assert before == {last: 1, waiting[0]: 2, waiting[1]: 3}
        platform.stop()
        platform.start()
        with platform.client() as api:
            after = api.wait_for(
                "/queue", lambda q: any(j["state"] == "running" for j in q["jobs"]), timeout=30
            )
            assert positions(after) == before
            for i in ids:
                api.wait_job(i, timeout=120)
            placed = {i: api.ok("GET", f"/jobs/{i}")["placed_at"] for i in waiting}
            # The re-prioritised run first, then the others in the order they were submitted.
            assert placed[last] < placed[waiting[0]] < placed[waiting[1]], placed
    finally:
        platform.stop()
