"""Refusals a person can act on. Routers turn them into HTTP answers."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Invalid(ServiceError):
    """The request breaks a rule; `details` lists each problem with its field."""

    status_code = 422


def field_error(field: str, problem: str, allowed: str = "") -> dict[str, str]:
    return {"field": field, "problem": problem, "allowed": allowed}
