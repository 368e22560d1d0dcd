"""A kernel whose broker is away at the end leaves its outcome in its output folder and
says so with its exit code; its log holds one line per connection attempt, no traceback."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from tests.conftest import TINY_KERNEL
from tests.factories import job_files, start_kernel

from vlad.contract import Status, StatusMessage, TrainingConfig
from vlad.contract.status import OUTCOME_FILE
from vlad.devtools.rabbitmq import free_port
from vlad.kernel import Job
from vlad.kernel.errors import KernelError


@pytest.mark.parametrize(
    ("hyperparameters", "exit_code", "status"),
    [
        ({"training_type": "classification", "steps": 3}, 75, "training_done"),
        ({"training_type": "classification", "steps": 3, "fail_at": 2}, 1, "training_error"),
    ],
    ids=["done", "error"],
)
def test_an_undeliverable_outcome_is_left_in_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hyperparameters, exit_code, status
):
    monkeypatch.setenv("VLAD_FLUSH_TIMEOUT", "1.5")
    nobody = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    config_path, config = job_files(tmp_path, nobody, "q", hyperparameters=hyperparameters)
    process = start_kernel(TINY_KERNEL, config_path)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == exit_code, output
    left = json.loads((tmp_path / "output" / OUTCOME_FILE).read_text())
    assert left["status"] == status and left["model_id"] == config["model_id"]
    assert left["project_key"] == config["project_key"]
    assert not list((tmp_path / "output").glob("*.partial"))
    assert "Traceback" not in output and "pika" not in output, output
    lines = [line for line in output.splitlines() if "WARNING" in line or "ERROR" in line]
    assert len(lines) >= 2 and all("status publisher cannot reach the broker" in x for x in lines), output


def test_a_delivered_outcome_leaves_no_file(tmp_path: Path, broker_url: str, queue_name: str):
    config_path, _ = job_files(tmp_path, broker_url, queue_name)
    process = start_kernel(TINY_KERNEL, config_path)
    output = process.communicate(timeout=60)[0].decode()
    assert process.returncode == 0, output
    assert not (tmp_path / "output" / OUTCOME_FILE).exists()


class Recorder:
    def __init__(self) -> None:
        self.sent: list[StatusMessage] = []

    def publish(self, message: StatusMessage) -> None:
        self.sent.append(message)


class Index:
    """An integer of another library (numpy, torch): usable as an index, not an int."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def _job(tmp_path: Path) -> tuple[Job, Recorder]:
    _, raw = job_files(tmp_path, "amqp://guest:guest@127.0.0.1:1/", "q")
    recorder = Recorder()
    return Job(TrainingConfig.model_validate(raw), {}, recorder), recorder  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "step", [-1, 2**63, 2**64, 1.5, "3"], ids=["negative", "2^63", "2^64", "float", "str"]
)
def test_progress_refuses_a_step_outside_the_contract_by_name(tmp_path: Path, step):
    job, recorder = _job(tmp_path)
    with pytest.raises(KernelError, match="job.progress: step must"):
        job.progress(step)
    assert recorder.sent == []


def test_progress_takes_foreign_integers_and_drops_a_percentage_that_is_not_a_number(tmp_path: Path):
    job, recorder = _job(tmp_path)
    job.progress(Index(7), percentage=math.nan)  # type: ignore[arg-type]
    job.progress(8, percentage=250.0)
    assert [(m.status, m.step, m.percentage) for m in recorder.sent] == [
        (Status.ING, 7, None),
        (Status.ING, 8, 100.0),
    ]
