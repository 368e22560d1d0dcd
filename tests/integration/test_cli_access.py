"""`vlad token ...` and `vlad projects ...` against the API in this process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.integration.inprocess import LocalApi, local_api
from typer.testing import CliRunner

from vlad.cli import commands
from vlad.cli.client import ApiClient
from vlad.cli.main import app
from vlad.server.app import API_PREFIX


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LocalApi]:
    with local_api(tmp_path / "data") as local:
        yield local


@pytest.fixture
def vlad(api: LocalApi, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run the CLI with a token (the project's admin token by default) against `api`."""
    runner = CliRunner()

    def run(*args: str, token: str | None = None):  # type: ignore[no-untyped-def]
        client = ApiClient("http://testserver", token or api.token)
        client.http = TestClient(
            api.client.app,
            base_url=f"http://testserver{API_PREFIX}",
            headers={"Authorization": f"Bearer {token or api.token}"},
        )
        for module in (commands.token, commands.projects):
            monkeypatch.setattr(module, "connect", lambda: client)
        return runner.invoke(app, list(args), env={"COLUMNS": "200"})

    return run


def test_tokens_are_created_listed_and_revoked(vlad) -> None:  # type: ignore[no-untyped-def]
    made = vlad("token", "create", "ci", "--role", "admin", "--expires-in-days", "2", "--json")
    assert made.exit_code == 0, made.output
    ci = json.loads(made.stdout)
    assert ci["role"] == "admin" and ci["expires_at"] and ci["token"].startswith("vlad_")
    plain = vlad("token", "create", "laptop")
    assert (
        plain.exit_code == 0 and plain.stdout.strip().startswith("vlad_") and "\n" not in plain.stdout.strip()
    )

    listed = vlad("token", "list")
    assert listed.exit_code == 0, listed.output
    assert "laptop" in listed.stdout and "member" in listed.stdout and "active" in listed.stdout
    assert plain.stdout.strip() not in listed.stdout

    revoked = vlad("token", "revoke", ci["id"])
    assert revoked.exit_code == 0 and f"Revoked token {ci['id']}" in revoked.stdout
    rows = json.loads(vlad("token", "list", "--json").stdout)
    assert [t["revoked_at"] is not None for t in rows if t["id"] == ci["id"]] == [True]
    assert "revoked" in vlad("token", "list").stdout


def test_projects_are_created_and_listed(vlad) -> None:  # type: ignore[no-untyped-def]
    made = vlad("projects", "create", "vision")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("vlad_")
    seen = json.loads(vlad("projects", "list", "--json").stdout)
    assert [p["name"] for p in seen] == ["default", "vision"]
    # The new project's token is an admin of that project: it lists that project's tokens.
    own = json.loads(vlad("token", "list", "--json", token=token).stdout)
    assert [t["role"] for t in own] == ["admin"]


def test_a_member_is_told_what_it_may_not_do(vlad) -> None:  # type: ignore[no-untyped-def]
    member = vlad("token", "create", "m").stdout.strip()
    for args in (("token", "list"), ("token", "create", "x"), ("projects", "create", "p")):
        refused = vlad(*args, token=member)
        assert refused.exit_code == 1
        assert "needs an admin token" in refused.output and "Traceback" not in refused.output
