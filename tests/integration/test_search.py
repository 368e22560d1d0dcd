"""Experiments that search (issue 14): Optuna samples the runs of a deterministic test kernel
(its score depends on x alone, best at x = 0.3), reads the objective from its metric files,
prunes the clearly worse, and goes on across a platform restart."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import REPO

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.broker
QUADRATIC = REPO / "tests" / "fixtures" / "kernels" / "quadratic"


def _kernel(api: Api) -> str:
    existing = api.ok("GET", "/kernels", params={"name": "quadratic"})
    return (existing[0] if existing else api.ok("POST", "/kernels", json={"path": str(QUADRATIC)}))["id"]


def _search(api: Api, name: str, hyperparameters: dict[str, Any] | None = None, **search: Any) -> dict:
    body = {
        "name": name,
        "base": {
            "kernel": _kernel(api),
            "training_datasets": ["digits"],
            "hyperparameters": hyperparameters or {},
        },
        "search": {
            "space": {"x": {"type": "float", "low": -1, "high": 1}},
            "objective": {"metric": "score.value", "mode": "max"},
            **search,
        },
    }
    return api.ok("POST", "/experiments", json=body)


def _until_done(api: Api, experiment_id: str, timeout: float = 240) -> dict:
    return api.wait_for(
        f"/experiments/{experiment_id}",
        lambda e: e["search"]["state"] == "done",
        timeout=timeout,
        interval=0.5,
    )


def test_a_search_finds_the_better_region(project_api: Api) -> None:
    created = _search(
        project_api, "find-x", sampler="tpe", pruner="none", max_trials=10, max_parallel=2, seed=7
    )
    assert created["search"] == {
        **created["search"],
        "state": "running",
        "metric": "score.value",
        "trials": [],
    }
    done = _until_done(project_api, created["id"])
    trials = done["search"]["trials"]
    assert len(trials) == 10 and {t["state"] for t in trials} == {"COMPLETE"}
    assert len({t["model_id"] for t in trials}) == 10 == len(done["runs"])
    best = done["search"]["best"]
    assert abs(best["params"]["x"] - 0.3) < 0.2 and best["value"] > 0.96
    # Each trial's objective rows were reported as they came: the graph's steps 1..6.
    assert [step for step, _ in trials[0]["intermediate"]] == [1, 2, 3, 4, 5, 6]
    # Its run is an ordinary model of the experiment, named after its trial.
    run = next(r["model"] for r in done["runs"] if r["model"]["id"] == best["model_id"])
    assert run["name"] == f"find-x-{best['number']:03d}"
    assert run["hyperparameters"]["x"] == best["params"]["x"]


def test_a_clearly_worse_trial_is_pruned_and_ends_pruned_with_its_graphs(project_api: Api) -> None:
    created = _search(
        project_api,
        "prune-x",
        {"steps": 8, "sleep": 0.4},
        sampler="random",
        pruner="asha",
        max_trials=2,
        max_parallel=1,
        first=[{"x": 0.3}, {"x": -1.0}],
    )
    done = _until_done(project_api, created["id"])
    good, bad = done["search"]["trials"]
    assert (good["params"], good["state"]) == ({"x": 0.3}, "COMPLETE")
    assert (bad["params"], bad["state"]) == ({"x": -1.0}, "PRUNED")
    pruned = project_api.ok("GET", f"/models/{bad['model_id']}")
    assert pruned["status"] == "pruned"
    assert pruned["job"]["message"].startswith("Pruned by its search (asha): score.value = ")
    graph = project_api.ok("GET", f"/jobs/{bad['model_id']}/graphs/score")
    assert 1 <= len(graph["x"]) < 8  # stopped early, its graph kept
    assert done["status_counts"] == {"done": 1, "pruned": 1}


def test_a_space_outside_the_kernels_schema_is_refused_naming_the_field(project_api: Api) -> None:
    def refused(**search: Any) -> dict:
        body = {
            "name": "bad",
            "base": {"kernel": _kernel(project_api), "training_datasets": ["digits"]},
            "search": {"objective": {"metric": "score.value"}, "max_trials": 2, **search},
        }
        response = project_api.request("POST", "/experiments", json=body)
        assert response.status_code == 422, response.text
        return response.json()

    wide = refused(space={"x": {"type": "float", "low": -1, "high": 2}})
    assert wide["errors"][0]["field"] == "search.space.x"
    assert "2" in wide["detail"] and "maximum" in wide["detail"]
    unknown = refused(
        space={"x": {"type": "float", "low": 0, "high": 1}, "depth": {"type": "int", "low": 1, "high": 3}}
    )
    assert unknown["errors"][0]["field"] == "search.space.depth"
    backwards = refused(space={"x": {"type": "float", "low": 1, "high": 0}})
    assert (
        backwards["errors"][0]["field"] == "search.space.x" and "low 1 is above high 0" in backwards["detail"]
    )
    assert refused(space={"x": {"choices": [0.1, 5]}})["errors"][0]["field"] == "search.space.x"
    grid = refused(space={"x": {"type": "float", "low": -1, "high": 1, "step": 0.00001}}, sampler="grid")
    assert grid["errors"][0]["field"] == "search.space.x" and "200001 values" in grid["detail"]
    first = refused(space={"x": {"type": "float", "low": 0, "high": 1}}, first=[{"x": 0.5}, {"steps": 3}])
    assert first["errors"][0]["field"] == "search.first.1"
    metric = refused(space={"x": {"type": "float", "low": 0, "high": 1}}, objective={"metric": "score"})
    assert metric["errors"][0]["field"] == "search.objective.metric"
    assert all(e["name"] != "bad" for e in project_api.ok("GET", "/experiments"))  # nothing half-made


def test_a_search_goes_on_across_a_platform_restart_without_repeating_trials(
    tmp_path: Path, broker_url: str
) -> None:
    platform = RunningPlatform(tmp_path / "platform", broker_url).start()
    try:
        with platform.client() as api:
            created = _search(
                api,
                "restart",
                {"steps": 4, "sleep": 0.3},
                sampler="random",
                pruner="none",
                max_trials=4,
                max_parallel=1,
                seed=3,
            )
            api.wait_for(
                f"/experiments/{created['id']}",
                lambda e: sum(t["state"] == "COMPLETE" for t in e["search"]["trials"]) >= 2,
                timeout=120,
            )
        platform.stop(signal.SIGKILL)
        time.sleep(1)
        platform.start()
        with platform.client() as api:
            done = _until_done(api, created["id"])
    finally:
        platform.stop()
    trials = done["search"]["trials"]
    assert [t["number"] for t in trials] == [0, 1, 2, 3]
    assert {t["state"] for t in trials} == {"COMPLETE"}
    assert len({t["model_id"] for t in trials}) == 4 == len(done["runs"])
    assert len({t["params"]["x"] for t in trials}) == 4  # sampled afresh after the restart


def test_deleting_a_search_deletes_its_runs_and_study(project_api: Api, platform: RunningPlatform) -> None:
    import optuna

    created = _search(
        project_api, "gone", {"steps": 3}, sampler="random", pruner="none", max_trials=2, max_parallel=1
    )
    done = _until_done(project_api, created["id"])
    storage = f"sqlite:///{platform.data_dir / 'search.db'}"
    assert created["id"] in [s.study_name for s in optuna.study.get_all_study_summaries(storage=storage)]
    project_api.ok("DELETE", f"/experiments/{created['id']}")
    assert created["id"] not in [s.study_name for s in optuna.study.get_all_study_summaries(storage=storage)]
    for run in done["runs"]:
        assert project_api.request("GET", f"/models/{run['model']['id']}").status_code == 404


def test_the_cli_runs_a_search_file_and_shows_the_best_trial(
    project_api: Api, platform: RunningPlatform, tmp_path: Path
) -> None:
    _kernel(project_api)
    search_file = tmp_path / "search.yaml"
    search_file.write_text(
        "search:\n"
        "  space:\n"
        "    x: {type: float, low: -1, high: 1}\n"
        "  sampler: random\n"
        "  objective: {metric: score.value, mode: max}\n"
        "  pruner: none\n"
        "  max_trials: 3\n"
        "  max_parallel: 2\n"
        "  seed: 1\n"
    )
    token = project_api.headers["Authorization"].removeprefix("Bearer ")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vlad.cli.main",
            "experiments",
            "create",
            "cli-search",
            "--dataset",
            "digits",
            "--kernel",
            "quadratic",
            "--search",
            str(search_file),
            "--follow",
        ],
        env={**platform.env, "VLAD_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert "Submitted search cli-search" in result.stdout
    assert all(f"trial {n} (model-" in result.stdout for n in range(3))
    assert "search done: 3 of 3 trials ended (0 pruned); max score.value" in result.stdout
    assert "best so far: trial " in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "search:\n  space: {x: {type: float, low: -1, high: 5}}\n"
        "  objective: {metric: score.value}\n  max_trials: 2\n"
    )
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "vlad.cli.main",
            "experiments",
            "create",
            "bad",
            "--dataset",
            "digits",
            "--kernel",
            "quadratic",
            "--search",
            str(bad),
        ],
        env={**platform.env, "VLAD_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "search.space.x" in refused.stderr
