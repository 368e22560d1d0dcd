"""The pure parts of `vlad kernel check`: metric files, broken hyperparameters, messages."""

from __future__ import annotations

import pytest

from vlad.conformance.files import metric_file_problem
from vlad.conformance.scenario_checks import breaking_hyperparameters
from vlad.conformance.scenarios import parse
from vlad.contract import check_hyperparameters


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"Main axis name, graph1 name, graph2 name\n1, 0.2, 0.2\n2, 0.3, 0.25\n", ""),
        (b'"epoch","loss"\n1,0.5\n2,', ""),  # a partial last line is not looked at
        (b"", ""),
        (b"1, 0.5\n2, 0.4\n", "holds numbers"),
        (b"loss\n1\n", "is not a header"),
        (b"epoch, loss\nepoch1, 0.5\n", "first column (x axis) is not a number"),
        (b"epoch, loss\n1, 0.5, 0.7\n", "has 3 columns; the header names 2"),
    ],
)
def test_metric_files_are_held_to_spec_section_5(data: bytes, problem: str):
    found = metric_file_problem(data)
    assert (problem in found and found != "") if problem else found == ""


SCHEMA = {
    "type": "object",
    "required": ["training_type"],
    "properties": {
        "training_type": {"const": "x"},
        "epochs": {"type": "integer"},
        "name": {"type": "string"},
    },
}


@pytest.mark.parametrize(
    ("schema", "change"),
    [
        ({**SCHEMA, "required": ["training_type", "epochs"]}, "required 'epochs' left out"),
        ({**SCHEMA, "additionalProperties": False}, "an unknown field 'vlad_check_unknown'"),
        (SCHEMA, "epochs = 'vlad-check-wrong-type'"),
    ],
)
def test_hyperparameters_that_break_the_schema_are_made_from_the_defaults(schema, change):
    values = {"training_type": "x", "epochs": 3}
    broken, what = breaking_hyperparameters(values, schema)
    assert what == change and check_hyperparameters(broken, schema)


def test_a_schema_that_accepts_anything_cannot_be_broken():
    assert breaking_hyperparameters({"training_type": "x"}, {"type": "object"}) is None


@pytest.mark.parametrize(
    ("body", "problem"),
    [(b"step 3", "is not JSON"), (b"[1, 2]", "not an object (a list)"), (b"\xff\xfe", "is not JSON")],
)
def test_a_message_that_is_not_a_json_object_is_a_finding_not_a_crash(body, problem):
    seen = parse(4, body)
    assert seen.data is None and problem in seen.problem and seen.where().startswith("message #4 ")
