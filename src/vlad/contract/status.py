"""Status messages a kernel publishes to the platform (SPEC section 4).

Numbers are bounded so that every valid message can be stored: a `step` is an integer
from 0 to 2**63-1 (a 64-bit signed column), a `percentage` a finite number from 0 to 100.
A message outside these bounds is invalid (the platform dead-letters it with the reason).
"""

from __future__ import annotations

import json
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STEP_MAX = 2**63 - 1
# A kernel that cannot deliver its last status (training_done or training_error) before
# its flush timeout leaves that message, as JSON, in this file of its model_write_path;
# the platform applies it when the process has ended without one on the wire.
OUTCOME_FILE = ".vlad-outcome.json"
OUTCOME_FILE_LIMIT = 64 * 1024  # bytes; a larger file is refused


class Command(StrEnum):
    TRAINING = "training_status"
    VALIDATION = "validation_status"


class Status(StrEnum):
    ING = "training_ing"
    DONE = "training_done"
    ERROR = "training_error"
    # Accepted from validation kernels as synonyms of the three above.
    VALIDATION_ING = "validation_ing"
    VALIDATION_DONE = "validation_done"
    VALIDATION_ERROR = "validation_error"

    @property
    def canonical(self) -> Status:
        return {
            Status.VALIDATION_ING: Status.ING,
            Status.VALIDATION_DONE: Status.DONE,
            Status.VALIDATION_ERROR: Status.ERROR,
        }.get(self, self)

    @property
    def is_terminal(self) -> bool:
        return self.canonical in (Status.DONE, Status.ERROR)


STATUS_FOR_CMD: dict[Command, tuple[Status, ...]] = {
    Command.TRAINING: (Status.ING, Status.DONE, Status.ERROR),
    Command.VALIDATION: tuple(Status),
}


class StatusMessage(BaseModel):
    """One status message. Built by kernels; parsed (strictly) by the platform."""

    model_config = ConfigDict(extra="ignore")

    cmd: Command
    project_key: str = Field(min_length=1)
    model_id: str | None = None
    validation_id: str | None = None
    status: Status
    percentage: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    step: int | None = Field(default=None, ge=0, le=STEP_MAX)
    message: str | None = None

    @field_validator("message")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL cannot store NUL in text; a kernel's error text keeps the rest of its words.
        return value.replace("\x00", "\ufffd") if value else value

    @model_validator(mode="after")
    def _id_matches_cmd(self) -> StatusMessage:
        if self.cmd is Command.TRAINING and not self.model_id:
            raise ValueError("a training_status message needs model_id")
        if self.cmd is Command.VALIDATION and not self.validation_id:
            raise ValueError("a validation_status message needs validation_id")
        if self.status not in STATUS_FOR_CMD[self.cmd]:
            raise ValueError(f"status {self.status.value!r} is not valid with cmd {self.cmd.value!r}")
        return self

    @property
    def job_id(self) -> str:
        job_id = self.model_id if self.cmd is Command.TRAINING else self.validation_id
        assert job_id is not None
        return job_id

    def to_body(self) -> bytes:
        """The wire form: only the fields that are set, never an invented one."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True)).encode()

    @classmethod
    def from_body(cls, body: bytes) -> StatusMessage:
        return cls.model_validate_json(body)
