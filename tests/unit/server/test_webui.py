"""Serving the built web UI at / without shadowing the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vlad.server.webui import mount_web_ui


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text("<div id=root></div>")
    (folder / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for the browser")
    return folder


def client_for(dist: Path) -> TestClient:
    app = FastAPI()

    @app.get("/api/v1/early")
    def early() -> dict:
        return {"route": "early"}

    mount_web_ui(app, dist)

    @app.get("/api/v1/late")  # added after the UI: must still answer
    def late() -> dict:
        return {"route": "late"}

    return TestClient(app)


@pytest.mark.parametrize("path", ["/", "/models", "/models/model-1/validate", "/experiments/e-1"])
def test_app_paths_get_the_index(dist: Path, path: str) -> None:
    response = client_for(dist).get(path)
    assert response.status_code == 200
    assert response.text == "<div id=root></div>"
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_served_for_good(dist: Path) -> None:
    response = client_for(dist).get("/assets/index-abc123.js")
    assert response.text == "console.log(1)"
    assert "immutable" in response.headers["cache-control"]
    assert client_for(dist).get("/assets/index-gone.js").status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/api/v1/early", 200, {"route": "early"}),
        ("/api/v1/late", 200, {"route": "late"}),
        ("/api/v1/nothing", 404, {"detail": "Not Found"}),
        ("/api", 404, {"detail": "Not Found"}),
    ],
)
def test_api_paths_are_never_the_ui(dist: Path, path: str, status: int, body: dict) -> None:
    response = client_for(dist).get(path)
    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"])
def test_nothing_outside_the_build_is_served(dist: Path, path: str) -> None:
    response = client_for(dist).get(path)
    assert "not for the browser" not in response.text


def test_a_missing_build_says_how_to_make_it(tmp_path: Path) -> None:
    response = client_for(tmp_path / "nowhere").get("/models")
    assert response.status_code == 503
    assert "make frontend" in response.text
