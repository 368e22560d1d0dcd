"""`vlad projects ...`: the platform's projects (admin tokens only)."""

from __future__ import annotations

from typing import Annotated

import typer

from vlad.cli import output
from vlad.cli.client import connect
from vlad.cli.group import new_app
from vlad.cli.options import JsonOpt

app = new_app("Projects of the platform: create and list (admin tokens only).")


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The project's name (1 to 100 characters).")],
    as_json: JsonOpt = False,
) -> None:
    """Create a project; its first token, an admin token of the new project, is shown once."""
    project = connect().post("/projects", {"name": name})
    if as_json:
        output.print_json(project)
        return
    # Plain prints: names may hold Rich markup, and the token stands alone on its line for copying.
    print(f"Created project {project['name']} ({project['id']}). Its admin token, shown once:")
    print(project["token"], flush=True)


@app.command("list")
def list_projects(as_json: JsonOpt = False) -> None:
    """Every project of the platform."""
    projects = connect().get("/projects")
    if as_json:
        output.print_json(projects)
    else:
        rows = [(p["name"], p["id"], output.when(p["created_at"])) for p in projects]
        output.show(output.table(["name", "id", "created"], rows))
