"""`vlad projects ...`: the platform's projects and their rules in the scheduler (admin tokens only)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from vlad.cli import output
from vlad.cli.client import CliError, connect
from vlad.cli.commands.queue import count_or_none, quota
from vlad.cli.group import new_app
from vlad.cli.options import JsonOpt

app = new_app("Projects of the platform: create, list, set their share and quotas (admin tokens only).")


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


@app.command("set-rules")
def set_rules(
    project: Annotated[str, typer.Argument(help="The project's name or id.")],
    share: Annotated[
        float | None, typer.Option(help="Its weight in the fair share between projects (default 1).")
    ] = None,
    quota_gpus: Annotated[
        str | None, typer.Option(metavar="N|none", help="GPUs its jobs may hold at once; none: no quota.")
    ] = None,
    quota_running: Annotated[
        str | None, typer.Option(metavar="N|none", help="Jobs it may run at once; none: no quota.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a project's share and quotas in the scheduler; what is not given stays as it is."""
    body: dict[str, Any] = {}
    if share is not None:
        body["share"] = share
    if quota_gpus is not None:
        body["quota_gpus"] = count_or_none(quota_gpus, "--quota-gpus")
    if quota_running is not None:
        body["quota_running"] = count_or_none(quota_running, "--quota-running")
    if not body:
        raise CliError("nothing to change: give --share, --quota-gpus or --quota-running")
    rules = connect().request("PATCH", f"/projects/{project}", json=body).json()
    if as_json:
        output.print_json(rules)
        return
    # Plain print: names may hold Rich markup.
    print(
        f"Project {rules['name']} ({rules['id']}): share {output.number(rules['share'])}, "
        f"GPU quota {quota(rules['quota_gpus'], 'GPU')}, "
        f"running quota {quota(rules['quota_running'], 'running job')}.",
        flush=True,
    )
