"""`vlad token create`: more API tokens for the project (scripts, other machines, the UI)."""

from __future__ import annotations

from typing import Annotated

import typer

from vlad.cli import output
from vlad.cli.client import connect
from vlad.cli.cmd_common import JsonOpt, new_app

app = new_app("API tokens of the project.")


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. ci.")],
    as_json: JsonOpt = False,
) -> None:
    """Create a token; it is shown once, here, so keep it."""
    token = connect().post("/tokens", {"name": name})
    if as_json:
        output.print_json(token)
    else:
        # Plain print: the token alone on stdout, so `$(vlad token create ci)` works.
        print(token["token"])
