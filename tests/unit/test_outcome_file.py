"""The outcome file a kernel leaves is kernel-written: read like a hostile status message."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from vlad.contract import Status
from vlad.contract.status import OUTCOME_FILE, OUTCOME_FILE_LIMIT
from vlad.server.monitor import read_outcome

JOB = "model-1"
DONE = {"cmd": "training_status", "project_key": "k", "model_id": JOB, "status": "training_done"}


def _plant(job_dir: Path, how: str) -> None:
    output = job_dir / "output"
    output.mkdir(parents=True)
    target = output / OUTCOME_FILE
    secret = job_dir.parent / "secret.json"
    secret.write_text(json.dumps(DONE))
    if how == "good":
        target.write_text(json.dumps(DONE))
    elif how == "error":
        target.write_text(json.dumps({**DONE, "status": "training_error", "message": "out of memory"}))
    elif how == "link":
        target.symlink_to(secret)
    elif how == "linked-folder":
        os.rmdir(output)
        (job_dir / "elsewhere").mkdir()
        (job_dir / "elsewhere" / OUTCOME_FILE).write_text(json.dumps(DONE))
        output.symlink_to(job_dir / "elsewhere")
    elif how == "huge":
        target.write_text(json.dumps({**DONE, "message": "x" * OUTCOME_FILE_LIMIT}))
    elif how == "other-job":
        target.write_text(json.dumps({**DONE, "model_id": "model-2"}))
    elif how == "progress":
        target.write_text(json.dumps({**DONE, "status": "training_ing", "step": 3}))
    elif how == "garbage":
        target.write_bytes(b"\x00\xff not json")
    elif how == "overflow":
        target.write_text(json.dumps({**DONE, "step": 2**64}))
    elif how == "a-folder":
        target.mkdir()


@pytest.mark.parametrize(
    ("how", "status", "why"),
    [
        ("none", None, ""),
        ("good", Status.DONE, ""),
        ("error", Status.ERROR, ""),
        ("link", None, "not a regular file"),
        ("linked-folder", None, "is not a folder"),
        ("huge", None, f"larger than {OUTCOME_FILE_LIMIT} bytes"),
        ("other-job", None, "not a training_done or training_error of this job"),
        ("progress", None, "not a training_done or training_error of this job"),
        ("garbage", None, "Invalid JSON"),
        ("overflow", None, "step: Input should be less than or equal to"),
        ("a-folder", None, "not a regular file"),
    ],
)
def test_only_this_jobs_own_outcome_in_a_plain_small_file_is_taken(tmp_path: Path, how, status, why):
    job_dir = tmp_path / "jobs" / JOB
    job_dir.mkdir(parents=True)
    if how != "none":
        _plant(job_dir, how)
    message, refused = read_outcome(str(job_dir), JOB)
    assert (message.status if message else None) is status
    assert why in refused and (refused == "") == (why == "")
