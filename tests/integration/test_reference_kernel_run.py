"""The reference kernel through `vlad kernel run`, a kernel author's dev loop, on a real broker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import REFERENCE_KERNEL, TINY_KERNEL

from vlad.contract import parse_metric_csv
from vlad.demo.digits import write_digits_dataset

pytestmark = pytest.mark.broker


def kernel_run(broker_url: str, kernel: Path, dataset: Path, out: Path, *args: str):
    """`vlad kernel run ... --json`: its exit code and the status messages it printed."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "vlad.cli.main",
            "kernel",
            "run",
            str(kernel),
            "--dataset",
            str(dataset),
            "--out",
            str(out),
            "--broker-url",
            broker_url,
            "--json",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.returncode, messages, result.stderr


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data") / "digits"
    write_digits_dataset(root)
    return root


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, broker_url: str, digits: Path):
    out = tmp_path_factory.mktemp("runs") / "train"
    hyperparameters = out.parent / "hp.json"
    defaults = json.loads((REFERENCE_KERNEL / "kernel.json").read_text())["model_types"]["small_cnn"]
    hyperparameters.write_text(json.dumps({**defaults, "epochs": 3}))
    code, messages, stderr = kernel_run(
        broker_url, REFERENCE_KERNEL, digits, out, "--hyperparameters", str(hyperparameters)
    )
    return code, messages, out, stderr


def test_training_reports_every_step_then_one_done_and_writes_model_and_graphs(trained):
    code, messages, out, stderr = trained
    assert code == 0, stderr
    assert [m["status"] for m in messages].count("training_done") == 1
    assert messages[-1]["status"] == "training_done"
    progress = [m for m in messages if m["status"] == "training_ing"]
    assert [m["step"] for m in progress] == list(range(1, len(progress) + 1))
    assert all(0 <= m["percentage"] <= 100 for m in progress) and progress[-1]["percentage"] == 100
    config = json.loads((out / "vlad_training.json").read_text())
    assert {(m["cmd"], m["project_key"], m["model_id"]) for m in messages} == {
        ("training_status", config["project_key"], config["model_id"])
    }
    assert (out / "output" / "model.pt").is_file()
    for name, column in (("loss", "train_loss"), ("accuracy", "val_accuracy")):
        series = parse_metric_csv(name, (out / "output" / "save" / "metrics" / f"{name}.csv").read_bytes())
        assert series.x == [1.0, 2.0, 3.0] and len(series.series[column]) == 3
    assert series.series["val_accuracy"][-1] > 0.9


def test_additional_training_starts_from_the_base_weights(trained, tmp_path, broker_url, digits):
    _code, _messages, base, _ = trained
    code, _, stderr = kernel_run(
        broker_url, REFERENCE_KERNEL, digits, tmp_path / "further", "--base-model", str(base / "output")
    )
    assert code == 0, stderr
    fresh = json.loads((base / "output" / "training_summary.json").read_text())["first_batch_loss"]
    further = json.loads((tmp_path / "further" / "output" / "training_summary.json").read_text())
    assert further["first_batch_loss"] < fresh / 5


@pytest.mark.parametrize(
    ("kind", "result_file"), [("validation", "validation_result.json"), ("inference", "annotations.json")]
)
def test_validation_and_inference_report_validation_status(
    trained, tmp_path, broker_url, digits, kind, result_file
):
    _code, _messages, base, _ = trained
    code, messages, stderr = kernel_run(
        broker_url,
        REFERENCE_KERNEL,
        digits,
        tmp_path / kind,
        "--base-model",
        str(base / "output"),
        "--validation-type",
        kind,
    )
    assert code == 0, stderr
    config = json.loads((tmp_path / kind / "vlad_training.json").read_text())
    assert {(m["cmd"], m["validation_id"]) for m in messages} == {
        ("validation_status", config["validation_id"])
    }
    assert messages[-1]["status"] == "training_done"
    result = json.loads((tmp_path / kind / "output" / result_file).read_text())
    assert result["accuracy"] > 0.9 if kind == "validation" else len(result["annotations"]) == 1797


def test_exit_code_is_not_zero_without_training_done(tmp_path, broker_url, digits):
    hyperparameters = tmp_path / "hp.json"
    hyperparameters.write_text(json.dumps({"training_type": "classification", "steps": 3, "exit_at": 2}))
    code, messages, _ = kernel_run(
        broker_url, TINY_KERNEL, digits, tmp_path / "dies", "--hyperparameters", str(hyperparameters)
    )
    assert code == 1 and "training_done" not in [m["status"] for m in messages]
