"""Issue acceptance through the REST API alone, on a real broker with the reference kernel."""

from __future__ import annotations

import json
import time

import pika
import pytest
from tests.conftest import TINY_KERNEL

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.broker
QUICK = {"epochs": 2}


@pytest.fixture(scope="module")
def trained(api: Api) -> dict:
    model = api.ok(
        "POST",
        "/models",
        json={
            "training_datasets": ["digits"],
            "validation_datasets": ["digits"],
            "hyperparameters": QUICK,
            "name": "digits-quick",
            "description": "two epochs",
        },
    )
    assert model["status"] == "waiting" and model["name"] == "digits-quick"
    return api.wait_job(model["id"])


@pytest.fixture(scope="module")
def tiny_kernel(api: Api) -> dict:
    existing = api.ok("GET", "/kernels", params={"name": "tiny"})
    return existing[0] if existing else api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})


def test_train_follow_to_done_and_read_graphs(api: Api, trained: dict):
    assert trained["status"] == "done", trained["job"]["message"]
    assert trained["job"]["percentage"] == 100 and trained["job"]["step"] > 0
    assert trained["job"]["started_at"] and trained["job"]["finished_at"]
    assert {d["role"] for d in trained["datasets"]} == {"train", "val"}
    names = api.ok("GET", f"/jobs/{trained['id']}/graphs")
    assert {"loss", "accuracy"} <= set(names)
    accuracy = api.ok("GET", f"/jobs/{trained['id']}/graphs/accuracy")
    assert accuracy["x_name"] == "epoch" and accuracy["x"] == [1.0, 2.0]
    assert accuracy["series"]["val_accuracy"][-1] > 0.8
    rest = api.ok("GET", f"/jobs/{trained['id']}/graphs/accuracy", params={"offset": accuracy["offset"]})
    assert rest["x"] == [] and rest["offset"] == accuracy["offset"]  # nothing new since
    metrics = api.ok("GET", f"/jobs/{trained['id']}/metrics")
    assert metrics["accuracy.val_accuracy"] > 0.8


def test_settings_are_downloadable_without_secrets(api: Api, trained: dict):
    files = api.ok("GET", f"/jobs/{trained['id']}/settings")
    assert files["model.json"]["epochs"] == 2
    config = files["vlad_training.json"]
    assert config["model_id"] == trained["id"] and config["operation"] == "training"
    assert "message_pw" not in config and "project_key" not in config
    response = api.get(f"/jobs/{trained['id']}/settings/model.json")
    assert "attachment" in response.headers["content-disposition"]


def test_activate_and_deactivate(api: Api, trained: dict):
    assert api.ok("POST", f"/models/{trained['id']}/activate")["active"] is True
    listed = api.ok("GET", "/models", params={"active": True})
    assert trained["id"] in [m["id"] for m in listed["items"]]
    assert api.ok("POST", f"/models/{trained['id']}/deactivate")["active"] is False


def test_validation_scores_and_auto_labels(api: Api, trained: dict):
    scores = api.ok(
        "POST",
        f"/models/{trained['id']}/validations",
        json={"datasets": ["digits"], "validation_type": "validation"},
    )
    labels = api.ok(
        "POST",
        f"/models/{trained['id']}/validations",
        json={"datasets": ["digits"], "validation_type": "inference"},
    )
    scores, labels = api.wait_job(scores["id"]), api.wait_job(labels["id"])
    assert scores["status"] == "done" and labels["status"] == "done"
    assert scores["results"]["accuracy"] > 0.8
    assert len(scores["results"]["confusion_matrix"]["labels"]) == 10
    annotations = labels["results"]["annotations"]
    assert len(annotations) == 1797 and {"image", "label", "score"} <= set(annotations[0])
    assert {a["image"].split("/")[0] for a in annotations} == {"train", "val"}  # the whole dataset
    download = api.get(f"/validations/{labels['id']}/results")
    assert json.loads(download.content)["annotations"] == annotations
    assert labels["id"] in [
        v["id"] for v in api.ok("GET", "/validations", params={"model_id": trained["id"]})
    ]


def test_train_further_starts_from_the_base_model(api: Api, trained: dict):
    further = api.ok("POST", f"/models/{trained['id']}/continue", json={"hyperparameters": {"epochs": 1}})
    assert further["base_model_id"] == trained["id"] and further["origin"] == "continue"
    further = api.wait_job(further["id"])
    assert further["status"] == "done", further["job"]["message"]
    config = api.ok("GET", f"/jobs/{further['id']}/settings")["vlad_training.json"]
    assert config["base_model_path"].endswith(f"{trained['id']}/output")
    first = api.ok("GET", f"/jobs/{further['id']}/graphs/loss")["series"]["train_loss"][0]
    fresh = api.ok("GET", f"/jobs/{trained['id']}/graphs/loss")["series"]["train_loss"][0]
    assert first < fresh  # started from trained weights


def test_retrain_copies_settings_into_a_new_model(api: Api, trained: dict):
    again = api.ok("POST", f"/models/{trained['id']}/retrain", json={})
    assert again["id"] != trained["id"] and again["hyperparameters"] == trained["hyperparameters"]
    assert [d["name"] for d in again["datasets"]] == [d["name"] for d in trained["datasets"]]
    api.ok("POST", f"/jobs/{again['id']}/stop")
    assert api.wait_job(again["id"])["status"] == "stopped"


def test_experiment_of_three_runs(api: Api):
    experiment = api.ok(
        "POST",
        "/experiments",
        json={
            "name": "lr-sweep",
            "base": {
                "training_datasets": ["digits"],
                "validation_datasets": ["digits"],
                "hyperparameters": {"epochs": 1},
            },
            "grid": {"learning_rate": [0.001, 0.003, 0.01]},
        },
    )
    assert len(experiment["runs"]) == 3
    done = api.wait_for(
        f"/experiments/{experiment['id']}",
        lambda e: e["status_counts"].get("done", 0) == 3,
        timeout=240,
    )
    rates = sorted(r["model"]["hyperparameters"]["learning_rate"] for r in done["runs"])
    assert rates == [0.001, 0.003, 0.01]
    assert all("accuracy.val_accuracy" in r["final_metrics"] for r in done["runs"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hyperparameters": {"learning_rate": -1}}, "hyperparameters.learning_rate"),
        ({"hyperparameters": {"optimizer": "rmsprop"}}, "hyperparameters.optimizer"),
        ({"gpu_count": 9}, "gpu_count"),
        ({"model_type": "transformer"}, "model_type"),
        ({"training_datasets": ["no-such-data"]}, "training_datasets"),
    ],
)
def test_refusals_name_the_field_and_create_nothing(api: Api, change: dict, field: str):
    before = api.ok("GET", "/models", params={"limit": 1})["total"]
    response = api.post("/models", json={"training_datasets": ["digits"], **change})
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert api.ok("GET", "/models", params={"limit": 1})["total"] == before


def test_other_projects_tokens_are_refused(api: Api, platform: RunningPlatform):
    assert api.get("/models", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def _publish(platform: RunningPlatform, bodies: list[bytes]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(platform.broker_url))
    channel = connection.channel()
    for body in bodies:
        channel.basic_publish("", f"vlad.status.{platform.port}", body)
    connection.close()


def test_forged_invalid_and_late_messages_change_nothing(
    api: Api, platform: RunningPlatform, tiny_kernel: dict
):
    model = api.ok(
        "POST",
        "/models",
        json={
            "kernel": tiny_kernel["id"],
            "training_datasets": ["digits"],
            "hyperparameters": {"steps": 3, "fail_at": 2},
        },
    )
    failed = api.wait_job(model["id"])
    assert failed["status"] == "failed" and failed["job"]["message"] == "Asked to fail at step 2."
    before = api.ok("GET", "/ingestion")
    message = {"cmd": "training_status", "model_id": model["id"], "status": "training_done"}
    _publish(
        platform,
        [
            json.dumps({**message, "project_key": "forged"}).encode(),
            json.dumps({**message, "project_key": "forged", "model_id": "model-unknown"}).encode(),
            b"{not json",
            json.dumps({"cmd": "training_status"}).encode(),
        ],
    )
    after = api.wait_for("/ingestion", lambda c: c.get("invalid", 0) >= before.get("invalid", 0) + 2)
    assert after.get("wrong_project_key", 0) == before.get("wrong_project_key", 0) + 1
    assert after.get("unknown_job", 0) == before.get("unknown_job", 0) + 1
    assert api.ok("GET", f"/models/{model['id']}")["status"] == "failed"


def test_messages_after_an_error_are_ignored_and_counted(
    api: Api, platform: RunningPlatform, tiny_kernel: dict
):
    model = api.ok(
        "POST",
        "/models",
        json={
            "kernel": tiny_kernel["id"],
            "training_datasets": ["digits"],
            "hyperparameters": {"steps": 3, "fail_at": 3},
        },
    )
    failed = api.wait_job(model["id"])
    assert failed["status"] == "failed" and failed["job"]["step"] == 2
    config = json.loads((platform.data_dir / "jobs" / model["id"] / "vlad_training.json").read_text())
    before = api.ok("GET", "/ingestion")
    late = {"cmd": "training_status", "project_key": config["project_key"], "model_id": model["id"]}
    _publish(
        platform,
        [
            json.dumps({**late, "status": "training_ing", "step": 3, "percentage": 99}).encode(),
            json.dumps({**late, "status": "training_done"}).encode(),
        ],
    )
    api.wait_for("/ingestion", lambda c: c.get("after_end", 0) >= before.get("after_end", 0) + 2)
    again = api.ok("GET", f"/models/{model['id']}")
    assert (again["status"], again["job"]["step"]) == ("failed", 2)


def test_live_events_stream_the_progress(api: Api, tiny_kernel: dict):
    with api.stream("GET", "/events", timeout=60) as stream:
        model = api.ok(
            "POST",
            "/models",
            json={
                "kernel": tiny_kernel["id"],
                "training_datasets": ["digits"],
                "hyperparameters": {"steps": 20, "sleep": 0.05},
            },
        )
        seen = []
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event["id"] == model["id"]:
                    seen.append(event)
                    if event["status"] in ("done", "failed"):
                        break
    assert seen[-1]["status"] == "done"
    progress = [e["step"] for e in seen if e["status"] == "training"]
    assert progress and progress == sorted(progress)


def test_temp_is_emptied_when_the_job_ends(api: Api, platform: RunningPlatform, trained: dict):
    temp = platform.data_dir / "jobs" / trained["id"] / "temp"
    deadline = time.monotonic() + 10
    while any(temp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert temp.is_dir() and not any(temp.iterdir())


def test_import_proposes_the_kernel_and_validates(api: Api, trained: dict, platform: RunningPlatform):
    folder = platform.data_dir / "jobs" / trained["id"] / "output"
    model = api.ok(
        "POST",
        "/models/import",
        data={"name": "imported-digits"},
        files={
            "model_file": ("model.pt", (folder / "model.pt").read_bytes()),
            "settings_file": ("model.json", (folder / "model.json").read_bytes()),
        },
    )
    assert model["origin"] == "import" and model["status"] == "done"
    assert model["kernel"] == "image-classification:1.0.0"
    validation = api.ok("POST", f"/models/{model['id']}/validations", json={"datasets": ["digits"]})
    assert api.wait_job(validation["id"])["results"]["accuracy"] > 0.8
    bad = api.post(
        "/models/import",
        data={"name": "x"},
        files={"model_file": ("model.pt", b"0"), "settings_file": ("model.json", b"{not json")},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "settings_file"


def test_delete_model_validation_and_experiment(api: Api, tiny_kernel: dict):
    model = api.ok(
        "POST",
        "/models",
        json={
            "kernel": tiny_kernel["id"],
            "training_datasets": ["digits"],
            "hyperparameters": {"steps": 2},
        },
    )
    api.wait_job(model["id"])
    validation = api.ok("POST", f"/models/{model['id']}/validations", json={"datasets": ["digits"]})
    api.wait_job(validation["id"])
    assert api.delete(f"/validations/{validation['id']}").status_code == 204
    assert api.get(f"/validations/{validation['id']}").status_code == 404
    assert api.delete(f"/models/{model['id']}").status_code == 204
    assert api.get(f"/models/{model['id']}").status_code == 404
    experiment = api.ok(
        "POST",
        "/experiments",
        json={
            "name": "to-delete",
            "base": {"kernel": tiny_kernel["id"], "training_datasets": ["digits"]},
            "runs": [{"steps": 1000, "sleep": 0.05}, {"steps": 2}],
        },
    )
    run_ids = [r["model"]["id"] for r in experiment["runs"]]
    assert api.delete(f"/experiments/{experiment['id']}").status_code == 204
    assert all(api.get(f"/models/{run_id}").status_code == 404 for run_id in run_ids)
