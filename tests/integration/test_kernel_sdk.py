"""The kernel SDK against a real RabbitMQ, through a real kernel process."""

from __future__ import annotations

import signal
import time

import pytest
from tests.conftest import TINY_KERNEL, QueueReader
from tests.factories import job_files, start_kernel

from vlad.contract import parse_metric_csv

pytestmark = pytest.mark.broker


def run_tiny(tmp_path, broker_url, queue, **kwargs):
    reader = QueueReader(broker_url, queue)
    config_path, config = job_files(tmp_path, broker_url, queue, **kwargs)
    process = start_kernel(TINY_KERNEL, config_path)
    output, _ = process.communicate(timeout=120)
    return process.returncode, reader.drain(), config, output.decode()


def test_training_reports_progress_then_exactly_one_done(tmp_path, broker_url, queue_name):
    code, messages, config, output = run_tiny(
        tmp_path,
        broker_url,
        queue_name,
        hyperparameters={"training_type": "classification", "steps": 30},
    )
    assert code == 0, output
    assert [m["status"] for m in messages].count("training_done") == 1
    assert messages[-1]["status"] == "training_done"
    progress = [m for m in messages if m["status"] == "training_ing"]
    steps = [m["step"] for m in progress]
    assert steps == sorted(steps) and steps[-1] == 30
    assert all(0 <= m["percentage"] <= 100 for m in progress)
    for m in messages:
        assert m["cmd"] == "training_status"
        assert m["project_key"] == config["project_key"]
        assert m["model_id"] == config["model_id"]
        assert "validation_id" not in m
    csv = tmp_path / "output" / "save" / "metrics" / "loss.csv"
    series = parse_metric_csv("loss", csv.read_bytes())
    assert series.x_name == "step" and series.x == [float(i) for i in range(1, 31)]
    assert series.series["loss"][1] == pytest.approx(0.5)


def test_validation_sends_validation_status(tmp_path, broker_url, queue_name):
    code, messages, config, output = run_tiny(tmp_path, broker_url, queue_name, operation="validation")
    assert code == 0, output
    assert {m["cmd"] for m in messages} == {"validation_status"}
    assert {m["validation_id"] for m in messages} == {config["validation_id"]}
    assert messages[-1]["status"] == "training_done"


@pytest.mark.parametrize(
    ("overrides", "hyperparameters", "expected"),
    [
        ({"vlad_training_config_version": "2.0"}, None, "'2.0' is not supported"),
        ({"vlad_training_config_version": 3.0}, None, "'3.0' is not supported"),
        (
            {"dataset_path": "/nonexistent/data"},
            None,
            "dataset folder (dataset_path) /nonexistent/data",
        ),
        ({}, {"training_type": "classification", "steps": -1}, "$.steps: -1 is not valid"),
        ({}, {"training_type": "classification"}, "$.steps: required field 'steps' is missing"),
        (
            {},
            {"training_type": "classification", "steps": 5, "fail_at": 3},
            "Asked to fail at step 3.",
        ),
        (
            {},
            {"training_type": "classification", "steps": 5, "crash_at": 2},
            "ZeroDivisionError: division by zero (at tiny.py:",
        ),
        (
            {"training_config_file": "/nonexistent/model.json"},
            None,
            "/nonexistent/model.json does not exist",
        ),
    ],
    ids=[
        "version-text",
        "version-number",
        "no-dataset",
        "bad-value",
        "missing-field",
        "kernel-error",
        "crash",
        "no-model-json",
    ],
)
def test_each_failure_is_exactly_one_error(
    tmp_path, broker_url, queue_name, overrides, hyperparameters, expected
):
    code, messages, _config, output = run_tiny(
        tmp_path, broker_url, queue_name, hyperparameters=hyperparameters, **overrides
    )
    assert code != 0
    statuses = [m["status"] for m in messages]
    assert statuses.count("training_error") == 1 and "training_done" not in statuses
    assert expected in messages[-1]["message"], messages[-1]["message"]


def test_sigterm_lets_the_kernel_report_before_it_exits(tmp_path, broker_url, queue_name):
    reader = QueueReader(broker_url, queue_name)
    config_path, _ = job_files(
        tmp_path,
        broker_url,
        queue_name,
        hyperparameters={"training_type": "classification", "steps": 10_000, "sleep": 0.01},
    )
    process = start_kernel(TINY_KERNEL, config_path)
    metrics = tmp_path / "output" / "save" / "metrics" / "loss.csv"
    deadline = time.monotonic() + 30
    while not metrics.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    messages = reader.drain()
    assert messages[-1]["status"] == "training_error"
    assert messages[-1]["message"].startswith("Stopped: the platform asked the job to stop (SIGTERM)")
    assert [m["status"] for m in messages].count("training_error") == 1


def test_broker_restart_mid_run_loses_nothing(tmp_path, private_broker, queue_name):
    steps = 120
    reader = QueueReader(private_broker.url, queue_name)
    config_path, _ = job_files(
        tmp_path,
        private_broker.url,
        queue_name,
        hyperparameters={"training_type": "classification", "steps": steps, "sleep": 0.05},
    )
    process = start_kernel(TINY_KERNEL, config_path)
    time.sleep(2.0)  # a part of the run reaches the broker before it goes away
    private_broker.restart()
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output.decode()
    messages = reader.drain()
    progress_steps = {m["step"] for m in messages if m["status"] == "training_ing"}
    assert progress_steps == set(range(1, steps + 1))  # re-sends may repeat a step, never skip one
    assert [m["status"] for m in messages].count("training_done") == 1
