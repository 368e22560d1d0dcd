"""The wire contract: what parses, what is refused, and what goes out."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from pydantic import ValidationError
from tests.conftest import TINY_KERNEL

from vlad.contract import (
    KernelManifest,
    Operation,
    StatusMessage,
    TrainingConfig,
    ValidationType,
    check_hyperparameters,
    parse_metric_csv,
)

SEED_EXAMPLE = {  # seed 002's example, as written there
    "vlad_training_config_version": 1.0,
    "model_id": "model_id",
    "validation_id": "",
    "operation": "train",
    "dataset_path": "/mnt/d",
    "temp_path": "/mnt/t",
    "base_model_path": "",
    "model_write_path": "/mnt/w",
    "message_host": "host_name",
    "message_port": "5672",
    "message_id": "user_id",
    "message_pw": "user_pw",
    "queue_name": "q",
    "training_config_file": "/model.json",
    "project_key": "key",
    "something_new": 1,
}


def test_seed_example_parses_with_its_number_version_and_train_alias():
    config = TrainingConfig.model_validate(SEED_EXAMPLE)
    assert config.vlad_training_config_version == "1.0" and config.version_supported
    assert config.operation is Operation.TRAINING and config.job_id == "model_id"
    assert config.base_model_path is None and config.message_port == 5672


def test_validation_defaults_to_validation_type_validation():
    config = TrainingConfig.model_validate({**SEED_EXAMPLE, "operation": "validation", "validation_id": "v1"})
    assert config.validation_type is ValidationType.VALIDATION and config.job_id == "v1"


def test_secrets_stay_out_of_repr():
    text = repr(TrainingConfig.model_validate(SEED_EXAMPLE))
    assert "user_pw" not in text and "key'" not in text


@dataclass
class StatusCase:
    body: dict
    valid: bool


STATUS_CASES = {
    "progress": StatusCase(
        {
            "cmd": "training_status",
            "project_key": "k",
            "model_id": "m",
            "status": "training_ing",
            "percentage": 42.0,
            "step": 420,
        },
        True,
    ),
    "validation-done": StatusCase(
        {
            "cmd": "validation_status",
            "project_key": "k",
            "validation_id": "v",
            "status": "validation_done",
        },
        True,
    ),
    "no-key": StatusCase({"cmd": "training_status", "model_id": "m", "status": "training_done"}, False),
    "wrong-id": StatusCase(
        {
            "cmd": "training_status",
            "project_key": "k",
            "validation_id": "v",
            "status": "training_done",
        },
        False,
    ),
    "pct-over-100": StatusCase(
        {
            "cmd": "training_status",
            "project_key": "k",
            "model_id": "m",
            "status": "training_ing",
            "percentage": 101,
        },
        False,
    ),
    "validation-status-on-training": StatusCase(
        {"cmd": "training_status", "project_key": "k", "model_id": "m", "status": "validation_ing"},
        False,
    ),
    "unknown-status": StatusCase(
        {"cmd": "training_status", "project_key": "k", "model_id": "m", "status": "training_maybe"},
        False,
    ),
}


@pytest.mark.parametrize("case", STATUS_CASES.values(), ids=STATUS_CASES.keys())
def test_status_messages(case: StatusCase):
    body = json.dumps(case.body).encode()
    if case.valid:
        message = StatusMessage.from_body(body)
        assert json.loads(message.to_body()) == case.body  # nothing invented on the way out
    else:
        with pytest.raises(ValidationError):
            StatusMessage.from_body(body)


def test_hyperparameter_errors_name_path_problem_and_allowed():
    schema = KernelManifest.load(TINY_KERNEL).schema_
    problems = check_hyperparameters({"training_type": "detection", "steps": 0, "extra": 1}, schema)
    by_path = {p.path: p for p in problems}
    assert set(by_path) == {"$", "$.steps", "$.training_type"}
    assert by_path["$.steps"].allowed == "integer, >= 1, <= 1000000"
    assert "'classification'" in by_path["$.training_type"].allowed
    assert "extra" in by_path["$"].problem
    missing = check_hyperparameters({"training_type": "classification"}, schema)
    assert [str(p) for p in missing] == [
        "$.steps: required field 'steps' is missing (allowed: integer, >= 1, <= 1000000)"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m["schema"].update(required=[]), "must list 'training_type'"),
        (lambda m: m["schema"].update(type="nonsense"), "not a valid JSON Schema"),
        (lambda m: m["model_types"]["counter"].update(steps=0), "model_types.counter"),
        (lambda m: m.update(supported_gpu_count={"minimum": 3, "maximum": 1}), "below its minimum"),
        (lambda m: m.update(training_types=[]), "training_types"),
    ],
    ids=["no-training-type", "bad-schema", "bad-defaults", "gpu-range", "no-types"],
)
def test_manifest_is_checked_when_loaded(change, expected):
    manifest = json.loads((TINY_KERNEL / "kernel.json").read_text())
    change(manifest)
    with pytest.raises(ValidationError, match=expected.replace("(", r"\(")):
        KernelManifest.model_validate(manifest)


def test_gpu_count_fixed_at_one_when_unset():
    manifest = json.loads((TINY_KERNEL / "kernel.json").read_text())
    del manifest["supported_gpu_count"]
    gpus = KernelManifest.model_validate(manifest).supported_gpu_count
    assert (gpus.minimum, gpus.maximum) == (1, 1)
    with pytest.raises(ValueError, match="outside this kernel's supported range 1..1"):
        gpus.check(2)


def test_metric_csv_incremental_reads_tolerate_a_partial_last_line():
    data = b"Main axis name, graph1 name, graph2 name\n1, 0.2, 0.2\n2, 0.3, 0.25\n3, 0.4"
    first = parse_metric_csv("m", data)
    assert first.x == [1.0, 2.0] and first.series == {
        "graph1 name": [0.2, 0.3],
        "graph2 name": [0.2, 0.25],
    }
    data += b", 0.4\n4, nan, x\n"
    header = [first.x_name, *first.series]
    more = parse_metric_csv("m", data, offset=first.offset, header=header)
    assert more.x == [3.0, 4.0] and more.series["graph1 name"] == [0.4, None]
    assert more.offset == len(data)
