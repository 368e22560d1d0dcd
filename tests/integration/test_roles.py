"""Who may do what: admin and member tokens, expiry and revocation, projects, dataset roots.

In-process (TestClient against a real, unstarted platform on SQLite): no broker needed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import TINY_KERNEL
from tests.integration.inprocess import LocalApi, local_api

from vlad.contract import Command, Status, StatusMessage
from vlad.server.ingestion.batch import apply_batch
from vlad.server.migrations.runner import upgrade
from vlad.server.models import ApiToken, Job, Project, utcnow

MANIFEST = json.loads((TINY_KERNEL / "kernel.json").read_text())


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LocalApi]:
    with local_api(tmp_path / "data") as local:
        yield local


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_token(api: LocalApi, role: str = "member", **extra: Any) -> dict[str, Any]:
    response = api.request("POST", "/tokens", json={"name": f"{role}-token", "role": role, **extra})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def member(api: LocalApi) -> str:
    return str(new_token(api)["token"])


def manifest(version: str) -> dict[str, Any]:
    return {**MANIFEST, "version": version}


@dataclass
class Rule:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    admin_status: int = 201
    refused_field: str = "token"
    settings: dict[str, Any] = field(default_factory=dict)


def kernel_folder(folder: Path, version: str) -> str:
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps(manifest(version)))
    (folder / "tiny.py").write_bytes((TINY_KERNEL / "tiny.py").read_bytes())
    return str(folder)


def dataset_folder(api: LocalApi) -> str:
    folder = api.platform.settings.datasets_dir / "cats"
    (folder / "train").mkdir(parents=True, exist_ok=True)
    (folder / "train" / "a.png").write_bytes(b"png")
    return str(folder)


RULES = [
    Rule("host kernel folder", "POST", "/kernels", {"path": "<kernel folder>"}, refused_field="path"),
    Rule(
        "manifest, platform executor local",
        "POST",
        "/kernels",
        {"manifest": manifest("9.0.0")},
        201,
        "executor",
    ),
    Rule(
        "manifest, executor local",
        "POST",
        "/kernels",
        {"manifest": manifest("9.0.1"), "executor": "local"},
        refused_field="executor",
    ),
    Rule(
        "manifest, ray on this host",
        "POST",
        "/kernels",
        {"manifest": manifest("9.0.2"), "executor": "ray"},
        refused_field="executor",
    ),
    Rule(
        "manifest, platform executor docker but kernel local",
        "POST",
        "/kernels",
        {"manifest": manifest("9.0.3"), "executor": "local"},
        refused_field="executor",
        settings={"executor": "docker"},
    ),
    Rule(
        "server dataset folder",
        "POST",
        "/datasets",
        {"name": "cats", "training_type": "classification", "location": "<dataset folder>"},
        refused_field="location",
    ),
    Rule("create a token", "POST", "/tokens", {"name": "more"}),
    Rule("list tokens", "GET", "/tokens", admin_status=200),
    Rule("revoke a token", "DELETE", "/tokens/<own token id>", admin_status=204),
    Rule("create a project", "POST", "/projects", {"name": "other"}),
    Rule("list projects", "GET", "/projects", admin_status=200),
]


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_members_are_refused_what_admins_may_do(api: LocalApi, rule: Rule) -> None:
    for key, value in rule.settings.items():
        setattr(api.platform.settings, key, value)
    body = dict(rule.body or {})
    if body.get("location") == "<dataset folder>":
        body["location"] = dataset_folder(api)
    if body.get("path") == "<kernel folder>":
        body["path"] = kernel_folder(api.platform.settings.data_dir / "k", "3.0.0")
    member = new_token(api)
    admin = new_token(api, "admin")
    path = rule.path.replace("<own token id>", member["id"])

    refused = api.request(rule.method, path, json=body or None, headers=auth(member["token"]))
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert "needs an admin token" in problem["detail"] and "member token" in problem["detail"]
    assert problem["errors"][0]["field"] == rule.refused_field

    path = rule.path.replace("<own token id>", admin["id"])
    allowed = api.request(rule.method, path, json=body or None, headers=auth(admin["token"]))
    assert allowed.status_code == rule.admin_status, allowed.text


@pytest.mark.parametrize(
    ("executor", "settings", "kept"),
    [
        ("docker", {}, "docker"),
        ("kubernetes", {}, "kubernetes"),
        ("ray", {"ray_address": "http://ray-head.cluster.example:8265"}, "ray"),
        # No executor named: the platform's, pinned so a later VLAD_EXECUTOR=local cannot move it.
        (None, {"executor": "docker"}, "docker"),
    ],
)
def test_a_member_registers_a_manifest_for_a_sandboxing_executor(
    api: LocalApi, member: str, executor: str | None, settings: dict[str, Any], kept: str
) -> None:
    for key, value in settings.items():
        setattr(api.platform.settings, key, value)
    body = {"manifest": manifest("2.0.0"), "executor": executor}
    response = api.request("POST", "/kernels", json=body, headers=auth(member))
    assert response.status_code == 201, response.text
    assert response.json()["executor"] == kept and response.json()["path"] is None


def test_project_info_says_the_callers_role(api: LocalApi, member: str) -> None:
    assert api.request("GET", "/project").json()["role"] == "admin"
    assert api.request("GET", "/project", headers=auth(member)).json()["role"] == "member"


def test_tokens_are_listed_without_secrets_and_revoked(api: LocalApi) -> None:
    created = new_token(api, "member", expires_in_days=30)
    assert created["role"] == "member" and created["token"].startswith("vlad_")
    expires = (utcnow() + timedelta(days=30)).isoformat()[:10]
    assert created["expires_at"].startswith(expires)
    listed = api.request("GET", "/tokens").json()
    assert {t["name"] for t in listed} >= {"default", "member-token"}
    assert all(
        set(t) == {"id", "name", "role", "created_at", "expires_at", "revoked_at", "last_used_at"}
        for t in listed
    )
    assert created["token"] not in json.dumps(listed)
    assert api.request("GET", "/kernels", headers=auth(created["token"])).status_code == 200

    assert api.request("DELETE", f"/tokens/{created['id']}").status_code == 204
    refused = api.request("GET", "/kernels", headers=auth(created["token"]))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert [
        t["revoked_at"] is not None for t in api.request("GET", "/tokens").json() if t["id"] == created["id"]
    ] == [True]
    assert api.request("DELETE", "/tokens/token-nope").status_code == 404


def test_revoking_the_token_in_use_is_allowed(api: LocalApi) -> None:
    admin = new_token(api, "admin")
    assert api.request("DELETE", f"/tokens/{admin['id']}", headers=auth(admin["token"])).status_code == 204
    assert api.request("GET", "/project", headers=auth(admin["token"])).status_code == 401


def test_an_expired_token_is_refused_saying_so(api: LocalApi) -> None:
    created = new_token(api, "admin", expires_in_days=1)
    with api.platform.db.session() as session:
        session.get(ApiToken, created["id"]).expires_at = utcnow() - timedelta(minutes=1)
    refused = api.request("GET", "/project", headers=auth(created["token"]))
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    assert refused.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 101},
        {"name": "a\x00b"},
        {"name": "a\nb"},
        {"name": "   "},
        {"name": "ok", "role": "owner"},
        {"name": "ok", "expires_in_days": 0},
        {"name": "ok", "expires_in_days": -1},
        {"name": "ok", "expires_in_days": 1e9},
    ],
)
def test_token_requests_out_of_bounds_are_422(api: LocalApi, body: dict[str, Any]) -> None:
    response = api.request("POST", "/tokens", json=body)
    assert response.status_code == 422, response.text
    assert len(api.request("GET", "/tokens").json()) == 1  # only the project's first


def test_a_new_project_comes_with_its_own_admin_token(api: LocalApi) -> None:
    created = api.request("POST", "/projects", json={"name": "vision"})
    assert created.status_code == 201, created.text
    project = created.json()
    assert set(project) == {"id", "name", "token"}
    seen = api.request("GET", "/project", headers=auth(project["token"])).json()
    assert (seen["id"], seen["name"], seen["role"]) == (project["id"], "vision", "admin")
    # Its data is its own: the default project's kernel is not there.
    assert api.request("GET", "/kernels", headers=auth(project["token"])).json() == []
    names = [p["name"] for p in api.request("GET", "/projects").json()]
    assert names == ["default", "vision"]
    assert api.request("POST", "/projects", json={"name": "vision"}).status_code == 409


@pytest.mark.parametrize("name", ["", "p" * 101, "a\x00b", "tab\there"])
def test_project_names_are_bounded(api: LocalApi, name: str) -> None:
    response = api.request("POST", "/projects", json={"name": name})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"


def _register_folder(api: LocalApi, location: str, name: str = "d") -> Any:
    body = {"name": name, "training_type": "classification", "location": location}
    return api.request("POST", "/datasets", json=body)


@pytest.mark.parametrize("outside", ["/etc", "/root", "/proc", "<root>/../..", "<link out>", "<tmp>"])
def test_dataset_folders_outside_the_roots_are_refused(api: LocalApi, tmp_path: Path, outside: str) -> None:
    root = api.platform.settings.datasets_dir
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text("s")
    (root / "link").symlink_to(tmp_path / "elsewhere")
    location = {
        "<root>/../..": f"{root}/../..",
        "<link out>": str(root / "link"),
        "<tmp>": str(tmp_path / "elsewhere"),
    }.get(outside, outside)
    response = _register_folder(api, location)
    assert response.status_code == 403, response.text
    assert str(root) in response.json()["detail"] and "VLAD_DATASET_ROOTS" in response.json()["detail"]
    assert api.request("GET", "/datasets").json()[0]["name"] == "tiny-data"  # nothing added


def test_dataset_folders_under_a_root_are_registered(api: LocalApi, tmp_path: Path) -> None:
    assert _register_folder(api, dataset_folder(api), "cats").status_code == 201
    demo = api.platform.settings.data_dir / "demo" / "digits"
    (demo / "val").mkdir(parents=True)
    (demo / "val" / "x.png").write_bytes(b"png")
    assert _register_folder(api, str(demo), "digits").status_code == 201
    custom = tmp_path / "shared-data"
    (custom / "train").mkdir(parents=True)
    (custom / "train" / "y.png").write_bytes(b"png")
    assert _register_folder(api, str(custom), "shared").status_code == 403
    api.platform.settings.dataset_roots = [custom]
    assert _register_folder(api, str(custom), "shared").status_code == 201
    assert _register_folder(api, dataset_folder(api), "cats-again").status_code == 403  # no longer a root


@pytest.mark.parametrize(
    ("path", "body", "token_role"),
    [
        ("/kernels", {"path": "/tmp/kernel\x00"}, "admin"),
        ("/kernels", {"path": "/tmp/ker\x07nel"}, "admin"),
        ("/datasets", {"name": "n", "training_type": "classification", "location": "/tmp/\x00x"}, "admin"),
        ("/datasets", {"name": "n", "training_type": "classification", "location": "s3://b/\x00"}, "member"),
    ],
)
def test_control_characters_in_paths_are_422(
    api: LocalApi, path: str, body: dict[str, Any], token_role: str
) -> None:
    token = new_token(api, token_role)["token"]
    response = api.request("POST", path, json=body, headers=auth(token))
    assert response.status_code == 422, response.text
    field_name = "path" if "path" in body else "location"
    assert response.json()["errors"][0]["field"] == field_name


def test_ingestion_counts_are_per_project_for_members(api: LocalApi, member: str) -> None:
    db = api.platform.db
    with db.session() as session:
        key = session.get(Project, api.project_id).project_key
        session.add(
            Job(
                id="model-1",
                project_id=api.project_id,
                operation="training",
                executor="local",
                status="waiting",
                job_dir="/x",
            )
        )

    def message(job_id: str, project_key: str) -> StatusMessage:
        return StatusMessage(
            cmd=Command.TRAINING, project_key=project_key, model_id=job_id, status=Status.ING, step=1
        )

    result = apply_batch(db, [message("model-1", key), message("model-1", "forged"), message("model-2", key)])
    assert result.by_project == {key: Counter({"applied": 1, "wrong_project_key": 1})}
    consumer = api.platform.consumer
    consumer.counts.update(result.counts)
    consumer.project_counts[key] = result.by_project[key]
    consumer.project_counts["someone-elses-key"] = Counter({"applied": 4})
    assert api.request("GET", "/ingestion", headers=auth(member)).json() == {
        "applied": 1,
        "wrong_project_key": 1,
    }
    assert api.request("GET", "/ingestion").json() == {"applied": 1, "wrong_project_key": 1, "unknown_job": 1}


def test_existing_tokens_become_admin_tokens(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO projects (id, name, project_key, created_at) VALUES ('p', 'p', 'k', '2026')")
        )
        connection.execute(
            text(
                "INSERT INTO api_tokens (id, project_id, name, token_hash, created_at) "
                "VALUES ('t', 'p', 'old', 'h', '2026-01-01')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT role, expires_at, revoked_at FROM api_tokens")).one()
    assert tuple(row) == ("admin", None, None)
    engine.dispose()


@pytest.mark.parametrize(("executor", "member_status"), [("local", 403), ("docker", 422)])
def test_a_member_submits_dlaas_code_only_where_it_is_sandboxed(
    api: LocalApi, member: str, executor: str, member_status: int
) -> None:
    api.platform.settings.executor = executor
    files = {"model_definition": ("m.zip", b"not a zip"), "manifest": ("m.yaml", b"name: x")}
    refused = api.request("POST", "/dlaas/models", files=files, headers=auth(member))
    assert refused.status_code == member_status, refused.text
    if member_status == 403:
        assert refused.json()["errors"][0]["field"] == "model_definition"
    assert api.request("POST", "/dlaas/models", files=files).status_code == 422  # admin: on to the checks
