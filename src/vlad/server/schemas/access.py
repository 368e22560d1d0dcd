"""What clients send to manage projects and tokens."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _plain_name(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    bad = next((c for c in value if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise ValueError(f"must not hold control characters (found {bad!r})")
    return value


# 1 to 100 characters, none of them a control character (NUL, newline, ...).
Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_plain_name)]


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="What the token is for, e.g. ci")
    role: Literal["admin", "member"] = Field(
        default="member",
        description="admin: everything, including tokens, projects and what runs on the platform's host; "
        "member: train, validate, upload",
    )
    expires_in_days: float | None = Field(
        default=None, gt=0, le=36500, allow_inf_nan=False, description="Empty: the token never expires"
    )


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
