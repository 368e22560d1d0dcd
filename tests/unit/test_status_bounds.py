"""The status contract bounds its numbers: a step is a 64-bit signed count, a percentage 0..100."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from vlad.contract import StatusMessage

BASE = {"cmd": "training_status", "project_key": "k", "model_id": "m", "status": "training_ing"}
STEP_MAX = 2**63 - 1

BOUNDS = {
    # raw JSON text of the field, whether the message is valid, and what a refusal names
    "step-zero": ('"step": 0', True, ""),
    "step-max": (f'"step": {STEP_MAX}', True, ""),
    "step-2^63": (f'"step": {STEP_MAX + 1}', False, "step"),
    "step-2^64": ('"step": 18446744073709551616', False, "step"),
    "step-negative": ('"step": -1', False, "step"),
    "step-float-huge": ('"step": 1e20', False, "step"),
    "step-fraction": ('"step": 1.5', False, "step"),
    "pct-zero": ('"percentage": 0', True, ""),
    "pct-100": ('"percentage": 100', True, ""),
    "pct-nan": ('"percentage": NaN', False, "percentage"),
    "pct-inf": ('"percentage": Infinity', False, "percentage"),
    "pct-minus-inf": ('"percentage": -Infinity', False, "percentage"),
    "pct-negative": ('"percentage": -0.5', False, "percentage"),
    "pct-over": ('"percentage": 100.0001', False, "percentage"),
}


@pytest.mark.parametrize(("field", "valid", "named"), BOUNDS.values(), ids=BOUNDS.keys())
def test_numbers_outside_their_bounds_are_invalid(field: str, valid: bool, named: str):
    body = (json.dumps(BASE)[:-1] + ", " + field + "}").encode()
    if valid:
        message = StatusMessage.from_body(body)
        assert json.loads(message.to_body()) == json.loads(body)
    else:
        with pytest.raises(ValidationError) as caught:
            StatusMessage.from_body(body)
        assert [e["loc"] for e in caught.value.errors()] == [(named,)]


def test_a_nul_in_the_message_is_replaced_not_stored():
    """PostgreSQL refuses NUL in text: a kernel's error text with one must not stop ingestion."""
    body = json.dumps({**BASE, "status": "training_error", "message": "bad\u0000byte"}).encode()
    assert StatusMessage.from_body(body).message == "bad\ufffdbyte"


def test_the_sdk_cannot_build_an_overflowing_step():
    with pytest.raises(ValidationError):
        StatusMessage(**{**BASE, "step": 2**64})  # type: ignore[arg-type]
