"""`vlad token ...`: API tokens of the project (scripts, other machines, other people).

Admin tokens only: a member token is refused by the platform with a message saying so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from vlad.cli import output
from vlad.cli.client import connect
from vlad.cli.group import new_app
from vlad.cli.options import JsonOpt

app = new_app("API tokens of the project: create, list, revoke (admin tokens only).")


class RoleChoice(StrEnum):
    member = "member"
    admin = "admin"


def _state(token: dict[str, Any]) -> str:
    if token["revoked_at"]:
        return "revoked"
    if token["expires_at"] and output.moment(token["expires_at"]) <= datetime.now(UTC):
        return "expired"
    return "active"


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. ci.")],
    role: Annotated[
        RoleChoice,
        typer.Option(help="member: train, validate, upload; admin: also tokens, projects, server folders."),
    ] = RoleChoice.member,
    expires_in_days: Annotated[
        float | None, typer.Option(min=0.001, help="Expire after this many days (default: never).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a token; it is shown once, here, so keep it."""
    body = {"name": name, "role": role.value, "expires_in_days": expires_in_days}
    token = connect().post("/tokens", body)
    if as_json:
        output.print_json(token)
    else:
        # Plain print: the token alone on stdout, so `$(vlad token create ci)` works.
        print(token["token"])


@app.command("list")
def list_tokens(as_json: JsonOpt = False) -> None:
    """Every token of the project, revoked and expired ones too (never their secrets)."""
    tokens = connect().get("/tokens")
    if as_json:
        output.print_json(tokens)
        return
    rows = [
        (
            t["name"],
            t["id"],
            t["role"],
            _state(t),
            output.when(t["created_at"]),
            output.when(t["expires_at"]),
            output.when(t["last_used_at"]),
        )
        for t in tokens
    ]
    output.show(output.table(["name", "id", "role", "state", "created", "expires", "last used"], rows))


@app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="The token's id (`vlad token list`).")]) -> None:
    """Revoke a token: it is refused from now on (revoking your own is allowed)."""
    connect().delete(f"/tokens/{token_id}")
    output.console.print(f"Revoked token {token_id}.")
