"""The `vlad` CLI as users run it: a subprocess against the session's platform.

Other tests share the platform, so every check looks only at what these tests created.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vlad.cli.client import ApiClient
from vlad.devtools.platform_process import RunningPlatform

pytestmark = pytest.mark.broker

# Named, not proposed: other tests may register newer kernels for the same training type.
KERNEL = ("--kernel", "image-classification")
QUICK = ("--set", "epochs=1")


def vlad(
    platform: RunningPlatform,
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vlad.cli.main", *args],
        env={**platform.env, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(result))


def created_id(kind: str, stdout: str) -> str:
    found = re.search(rf"\(?({kind}-[0-9a-f]+)\)?", stdout)
    assert found, f"no {kind} id in:\n{stdout}"
    return found.group(1)


@pytest.fixture(scope="module")
def training(platform: RunningPlatform) -> tuple[subprocess.CompletedProcess[str], str]:
    """One quick model trained with `--follow`, shared by the tests that inspect a model."""
    name = f"cli-{uuid.uuid4().hex[:6]}"
    result = vlad(
        platform, "models", "train", "--dataset", "digits", *KERNEL, *QUICK, "--name", name, "--follow"
    )
    return result, created_id("model", result.stdout)


@pytest.fixture
def model_id(training: tuple[subprocess.CompletedProcess[str], str]) -> str:
    result, found = training
    ok(result)
    return found


def test_kernels_list_and_show(platform: RunningPlatform) -> None:
    kernels = as_json(vlad(platform, "kernels", "list", "--json"))
    assert "image-classification" in {k["name"] for k in kernels}
    shown = ok(vlad(platform, "kernels", "show", "image-classification"))
    assert "learning_rate" in shown and "small_cnn" in shown
    versions = as_json(vlad(platform, "kernels", "versions", "image-classification", "--json"))
    assert {k["version"] for k in versions} >= {"1.0.0"}


def test_datasets_list_and_show(platform: RunningPlatform) -> None:
    listed = ok(vlad(platform, "datasets", "list"))
    assert "digits" in listed and "classification" in listed
    dataset = as_json(vlad(platform, "datasets", "show", "digits", "--json"))
    assert dataset["file_count"] > 0


def test_train_follow_ends_done_with_final_metrics(training: tuple[Any, str]) -> None:
    result, model_id = training
    stdout = ok(result)
    assert f"({model_id})" in stdout
    assert re.search(r": done\b", stdout), stdout  # one line per status change when piped
    assert "accuracy.val_accuracy" in stdout and "final metrics" in stdout


def test_models_list_shows_the_model_done(platform: RunningPlatform, model_id: str) -> None:
    row = next(
        line
        for line in ok(vlad(platform, "models", "list", "--search", model_id)).splitlines()
        if model_id in line
    )
    assert "done" in row and "digits" in row and "image-classification:1.0.0" in row
    page = as_json(vlad(platform, "models", "list", "--status", "done", "--search", model_id, "--json"))
    assert [m["id"] for m in page["items"]] == [model_id]


def test_models_show(platform: RunningPlatform, model_id: str) -> None:
    shown = ok(vlad(platform, "models", "show", model_id))
    for expected in (
        model_id,
        "done",
        "image-classification:1.0.0",
        "digits",
        "learning_rate",
        "accuracy.val_accuracy",
        "graphs: accuracy, loss",
    ):
        assert expected in shown, expected
    assert ok(vlad(platform, "models", "logs", model_id)) is not None


def test_settings_download_writes_both_files_without_secrets(
    platform: RunningPlatform, model_id: str, tmp_path: Path
) -> None:
    ok(vlad(platform, "models", "settings", model_id, "--output", str(tmp_path)))
    training_config = json.loads((tmp_path / "vlad_training.json").read_text())
    model_json = json.loads((tmp_path / "model.json").read_text())
    assert training_config["model_id"] == model_id
    assert not {"message_pw", "project_key"} & set(training_config)
    assert model_json["epochs"] == 1 and model_json["training_type"] == "classification"


def test_graph(platform: RunningPlatform, model_id: str) -> None:
    loss = as_json(vlad(platform, "models", "graph", model_id, "loss", "--json"))
    assert loss["x_name"] == "epoch" and len(loss["series"]["train_loss"]) == 1
    summary = ok(vlad(platform, "models", "graph", model_id))
    assert "train_loss" in summary and "val_accuracy" in summary


def test_activate_and_deactivate(platform: RunningPlatform, model_id: str) -> None:
    assert as_json(vlad(platform, "models", "activate", model_id, "--json"))["active"] is True
    assert as_json(vlad(platform, "models", "show", model_id, "--json"))["active"] is True
    assert as_json(vlad(platform, "models", "deactivate", model_id, "--json"))["active"] is False


def test_inference_follow_then_show_lists_annotations(
    platform: RunningPlatform, model_id: str, tmp_path: Path
) -> None:
    args = ("validations", "create", model_id, "--dataset", "digits", "--type", "inference", "--follow")
    result = vlad(platform, *args)
    validation_id = created_id("validation", ok(result))
    shown = ok(vlad(platform, "validations", "show", validation_id))
    count = int(re.search(r"(\d+) annotations", shown).group(1))  # type: ignore[union-attr]
    assert count > 0 and "first 10" in shown and ".png" in shown
    listed = as_json(vlad(platform, "validations", "list", "--model", model_id, "--json"))
    assert validation_id in {v["id"] for v in listed}
    target = tmp_path / "labels.json"
    ok(vlad(platform, "validations", "download", validation_id, "--output", str(target)))
    assert len(json.loads(target.read_text())["annotations"]) == count


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("models", "train", "--set", "learning_rate=-1"), "hyperparameters.learning_rate"),
        (
            ("experiments", "create", "bad-grid", "--grid", "learning_rate=0.01,-1"),
            "run 2: hyperparameters.learning_rate",
        ),
    ],
)
def test_schema_breaking_value_names_the_field_and_shows_the_schema(
    platform: RunningPlatform, args: tuple[str, ...], field: str
) -> None:
    result = vlad(platform, *args, "--dataset", "digits", *KERNEL)
    assert result.returncode == 1
    assert field in result.stderr and "Traceback" not in result.stderr
    schema_row = next(line for line in result.stderr.splitlines() if "│ learning_rate" in line)
    assert "> 0" in schema_row and "<= 10" in schema_row


def test_retrain_stop_and_delete(platform: RunningPlatform, model_id: str) -> None:
    retrained = as_json(vlad(platform, "models", "retrain", model_id, "--set", "epochs=200", "--json"))
    assert retrained["base_model_id"] == model_id and retrained["hyperparameters"]["epochs"] == 200
    new_id = retrained["id"]
    assert "stopped" in ok(vlad(platform, "models", "stop", new_id))
    refused = vlad(platform, "models", "delete", new_id, stdin="n\n")
    assert refused.returncode != 0
    assert as_json(vlad(platform, "models", "show", new_id, "--json"))["status"] == "stopped"
    ok(vlad(platform, "models", "delete", new_id, "--yes"))
    gone = vlad(platform, "models", "show", new_id)
    assert gone.returncode == 1 and "no model" in gone.stderr


def test_experiment_grid_follows_every_run(platform: RunningPlatform) -> None:
    name = f"cli-grid-{uuid.uuid4().hex[:6]}"
    grid = ("--grid", "epochs=1", "--grid", "learning_rate=0.01,0.003")
    result = vlad(platform, "experiments", "create", name, "--dataset", "digits", *KERNEL, *grid, "--follow")
    stdout = ok(result)
    experiment_id = created_id("experiment", stdout)
    assert "with 2 runs" in stdout
    experiment = as_json(vlad(platform, "experiments", "show", experiment_id, "--json"))
    runs = experiment["runs"]
    assert sorted(r["model"]["hyperparameters"]["learning_rate"] for r in runs) == [0.003, 0.01]
    assert all(r["model"]["status"] == "done" and "accuracy.val_accuracy" in r["final_metrics"] for r in runs)
    shown = ok(vlad(platform, "experiments", "show", experiment_id))
    assert f"{name}-001" in shown and f"{name}-002" in shown
    assert "learning_rate" in shown and "val_accuracy" in shown
    assert experiment_id in ok(vlad(platform, "experiments", "list"))
    ok(vlad(platform, "experiments", "delete", experiment_id, "--yes"))


def test_token_create_gives_a_working_token(platform: RunningPlatform) -> None:
    token = ok(vlad(platform, "token", "create", "cli-test")).strip()
    assert token and "\n" not in token
    kernels = as_json(vlad(platform, "kernels", "list", "--json", env={"VLAD_TOKEN": token}))
    assert kernels


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"VLAD_URL": "http://127.0.0.1:1"},
            "cannot reach the platform at http://127.0.0.1:1: is `vlad up` running?",
        ),
        ({"VLAD_TOKEN": "not-a-token"}, "a valid API token is needed"),
    ],
)
def test_friendly_errors(platform: RunningPlatform, env: dict[str, str], expected: str) -> None:
    result = vlad(platform, "models", "list", env=env)
    assert result.returncode == 1
    assert expected in result.stderr and "Traceback" not in result.stderr
    token = json.loads(platform.cli_config.read_text())["token"]
    assert token not in result.stdout + result.stderr


# The follow machinery on its own, against a scripted server: reconnects and polling.


def _scripted(streams: list[Any], job_states: Iterator[dict[str, Any]]) -> tuple[ApiClient, list[str]]:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/events"):
            stream = streams.pop(0) if streams else 503
            return httpx.Response(stream) if isinstance(stream, int) else httpx.Response(200, content=stream)
        return httpx.Response(200, json=next(job_states))

    client = ApiClient("http://vlad.test", "t")
    client.http = httpx.Client(base_url="http://vlad.test/api/v1", transport=httpx.MockTransport(handle))
    return client, calls


def _event(status: str, percentage: float | None = None) -> bytes:
    body = {"type": "job", "id": "model-1", "status": status, "percentage": percentage}
    return f"event: job\ndata: {json.dumps(body)}\n\n".encode()


def test_watch_reopens_a_dropped_stream_and_reads_the_job_again() -> None:
    waiting = {"status": "waiting", "percentage": None, "step": None}
    streams: list[Any] = [
        b"retry: 2000\n\n",
        b": keep-alive\n\n" + _event("training", 50) + _event("done", 100),
    ]
    client, calls = _scripted(streams, iter([waiting, waiting]))
    seen = [(s["status"], s.get("percentage")) for s in client.watch(["model-1"], retry_delay=0)]
    assert seen == [("waiting", None), ("training", 50), ("done", 100)]
    assert calls.count("/api/v1/events") == 2 and calls.count("/api/v1/jobs/model-1") == 2


def test_watch_falls_back_to_polling_when_events_fail() -> None:
    states = iter(
        [
            {"status": "training", "percentage": 10, "step": 1},
            {"status": "training", "percentage": 10, "step": 1},
            {"status": "failed", "percentage": 10, "step": 1, "message": "boom"},
        ]
    )
    client, _calls = _scripted([], states)
    fallbacks: list[bool] = []
    seen = list(
        client.watch(["model-1"], on_fallback=lambda: fallbacks.append(True), poll_interval=0, retry_delay=0)
    )
    assert fallbacks == [True]
    assert [s["status"] for s in seen] == ["training", "failed"] and seen[-1]["message"] == "boom"


def test_restart_options_resume_and_attempts(platform: RunningPlatform, model_id: str) -> None:
    """--max-restarts reaches the job; a stopped run with a checkpoint resumes as attempt 2,
    and `models show` lists the attempt that ended; one with nothing to resume says why."""
    run = as_json(
        vlad(
            platform,
            "models",
            "retrain",
            model_id,
            "--set",
            "epochs=200",
            "--max-restarts",
            "1",
            "--restart-on-error",
            "--json",
        )
    )
    assert run["job"]["max_restarts"] == 1 and run["job"]["restart_on_error"] is True
    refused = vlad(platform, "models", "resume", run["id"])  # still training: nothing to resume
    assert refused.returncode == 1 and "only a stopped or failed training job" in refused.stderr
    checkpoint = platform.data_dir / "jobs" / run["id"] / "output" / "save" / "checkpoints" / "1"
    deadline = time.monotonic() + 120
    while not checkpoint.is_dir():
        assert time.monotonic() < deadline, "no checkpoint after epoch 1"
        time.sleep(0.05)
    ok(vlad(platform, "models", "stop", run["id"]))
    deadline = time.monotonic() + 60
    while (resumed := vlad(platform, "models", "resume", run["id"])).returncode != 0:
        assert "still ending" in resumed.stderr and time.monotonic() < deadline, resumed.stderr
        time.sleep(0.2)
    assert "attempt 2" in resumed.stdout
    shown = ok(vlad(platform, "models", "show", run["id"]))
    assert "earlier attempts" in shown and "resumed" in shown
    ok(vlad(platform, "models", "stop", run["id"]))
