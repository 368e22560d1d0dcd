"""A kernel written from the seeds alone (plain pika, a `.log` graph), through the REST API.

It is what a stranger would write from seeds 002/004: no SDK, no publisher confirms, no
persistent delivery, a metric file named `loss.log` with spaces after its commas.
"""

from __future__ import annotations

import pytest
from tests.conftest import REPO

from vlad.devtools.platform_process import Api

pytestmark = pytest.mark.broker
SEEDS_ONLY = REPO / "tests" / "fixtures" / "kernels" / "seeds_only"
SEED_ERROR = "학습용 이미지의 크기가 적절하지 않습니다. 3000x2000을 기대했는데, 300x200이 제공 되었습니다"


@pytest.fixture(scope="module")
def kernel(project_api: Api) -> dict:
    existing = project_api.ok("GET", "/kernels", params={"name": "seeds-only"})
    return existing[0] if existing else project_api.ok("POST", "/kernels", json={"path": str(SEEDS_ONLY)})


def _train(api: Api, kernel: dict, **hyperparameters: object) -> dict:
    model = api.ok(
        "POST",
        "/models",
        json={
            "kernel": kernel["id"],
            "training_datasets": ["digits"],
            "hyperparameters": hyperparameters,
        },
    )
    return api.wait_job(model["id"], timeout=120)


def test_done_with_a_graph_of_two_series_from_a_log_file(project_api: Api, kernel: dict) -> None:
    model = _train(project_api, kernel, steps=5, scenario="ok")
    assert model["status"] == "done", model["job"]
    assert model["job"]["percentage"] == 100 and model["job"]["step"] == 5
    assert project_api.ok("GET", f"/jobs/{model['id']}/graphs") == ["loss"]
    graph = project_api.ok("GET", f"/jobs/{model['id']}/graphs/loss")
    assert graph["x_name"] == "Main axis name"
    assert graph["x"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert set(graph["series"]) == {"graph1 name", "graph2 name"}
    assert graph["series"]["graph2 name"][-1] == pytest.approx(0.4)
    assert project_api.ok("GET", f"/jobs/{model['id']}/metrics") == {
        "loss.graph1 name": pytest.approx(0.2),
        "loss.graph2 name": pytest.approx(0.4),
    }


def test_an_exit_without_training_done_is_abnormal_with_its_exit_code(project_api: Api, kernel: dict) -> None:
    model = _train(project_api, kernel, steps=5, scenario="exit_without_done")
    assert model["status"] == "failed", model["job"]
    assert "terminated abnormally" in model["job"]["message"]
    assert "exit code 3" in model["job"]["message"]
    # Restarted twice (the default max_restarts), each attempt's end kept.
    assert model["job"]["attempt"] == 3
    assert [(a["attempt"], a["exit_code"], a["then"]) for a in model["job"]["attempts"]] == [
        (1, 3, "restarted"),
        (2, 3, "restarted"),
    ]


def test_training_error_is_shown_as_written_and_later_messages_change_nothing(
    project_api: Api, kernel: dict
) -> None:
    model = _train(project_api, kernel, steps=3, scenario="error_then_more")
    assert model["status"] == "failed", model["job"]
    assert model["job"]["message"] == SEED_ERROR
    assert model["job"]["step"] == 3  # the training_ing of step 4 sent after the error was ignored
