"""Who may do what: token roles, the caller, and the rules that keep the platform's host to admins.

An admin token may do everything. A member token trains, validates and uploads, but may not
make the platform run code or read folders on its own host: a kernel folder on the server,
a manifest the local executor would run, a dataset from a server folder, projects, tokens.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlparse

from vlad.server.models import Project
from vlad.server.services.errors import Invalid, ServiceError, field_error
from vlad.server.settings import Settings

# Executors that run a kernel's command somewhere else than the platform's own host.
SANDBOXING = ("docker", "kubernetes", "ray")


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


@dataclass(frozen=True)
class Caller:
    """Who sent the request: the project of its token, the token's role and id."""

    project: Project
    role: Role
    token_id: str

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class Forbidden(ServiceError):
    status_code = 403


class Unauthenticated(ServiceError):
    status_code = 401


def require_admin(caller: Caller, action: str, why: str, field: str = "token") -> None:
    """Refuse (403) a member token: `action` ("creating tokens") needs an admin, because `why`."""
    if caller.is_admin:
        return
    raise Forbidden(
        f"{action} needs an admin token; this one is a member token ({why})",
        [field_error(field, "allowed to admin tokens only", "an admin token (`vlad up` prints one)")],
    )


def host_reason(executor: str, settings: Settings) -> str | None:
    """Why `executor` would run a kernel's command on the platform's own host; None when it
    sandboxes it (a container, a cluster's pod, a Ray cluster on other machines)."""
    if executor not in SANDBOXING:
        return f"the {executor} executor runs the kernel's command on the platform's own host"
    if executor == "ray" and _is_loopback(settings.ray_address):
        return f"the Ray cluster at {settings.ray_address} (VLAD_RAY_ADDRESS) runs on the platform's host"
    return None


def require_sandbox(caller: Caller, executor: str, settings: Settings, action: str, field: str) -> None:
    """Refuse (403) a member's kernel that `executor` would run on the platform's host."""
    why = host_reason(executor, settings)
    if why is None or caller.is_admin:
        return
    sandboxed = "docker, kubernetes, ray on other machines"
    raise Forbidden(
        f"{action} with executor {executor!r} needs an admin token: {why}. A member token may "
        f"do this only for an executor that sandboxes the kernel ({sandboxed})",
        [field_error(field, f"{executor!r} runs on the platform's host", sandboxed)],
    )


def _is_loopback(address: str) -> bool:
    host = urlparse(address if "//" in address else f"//{address}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_control_characters(value: str, field: str, accepted: str) -> None:
    """Refuse (422) text holding a NUL or another control character, naming the field."""
    for char in value:
        if unicodedata.category(char) == "Cc":
            raise Invalid(
                f"{field} holds the control character {char!r}; accepted: {accepted}",
                [field_error(field, f"control character {char!r}", accepted)],
            )


def ingestion_counts(
    caller: Caller, counts: Mapping[str, int], by_project: Mapping[str, Mapping[str, int]]
) -> dict[str, int]:
    """The status-message counters `caller` may see: every project's (`counts`) for an admin;
    for a member, those about its own project's jobs (`by_project`, keyed by project key)."""
    if caller.is_admin:
        return dict(counts)
    return dict(by_project.get(caller.project.project_key, {}))
