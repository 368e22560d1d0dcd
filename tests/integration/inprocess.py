"""The API in this process: a real platform (SQLite in a temporary data folder), not started.

No broker is reached (the consumer, monitor and DLaaS lifecycle are never started) and no
kernel runs: jobs that the API would launch are only recorded in `launched`. Requests go
through FastAPI's TestClient, so a 500 surfaces here as the exception that caused it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient
from tests.conftest import TINY_KERNEL

from vlad.server.app import API_PREFIX, create_app
from vlad.server.platform import Platform
from vlad.server.services import datasets, kernels, projects
from vlad.server.settings import Settings

UNUSED_BROKER = "amqp://guest:guest@127.0.0.1:9/"  # never connected: the platform is not started


@dataclass
class LocalApi:
    client: TestClient
    platform: Platform
    project_id: str
    token: str
    launched: list[tuple[list[str], list[str] | None]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"{API_PREFIX}{path}"

    def request(self, method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
        return self.client.request(method, self.url(path), **kwargs)


@contextlib.contextmanager
def local_api(data_dir: Path, *, raise_server_exceptions: bool = True) -> Iterator[LocalApi]:
    """A platform with one project ("default"), the tiny kernel and a one-file dataset "tiny-data"."""
    settings = Settings(data_dir=data_dir, executor="local", database_url=None, _env_file=None)  # type: ignore[call-arg]
    platform = Platform(settings, UNUSED_BROKER)
    dataset = data_dir / "tiny-data"
    (dataset / "train").mkdir(parents=True)
    (dataset / "train" / "a.txt").write_text("a\n")
    with platform.db.session() as session:
        project, token = projects.create_project(session, "default")
        kernels.register(session, project, path=str(TINY_KERNEL))
        datasets.register(session, project, "tiny-data", "classification", str(dataset))
        project_id = project.id
    app = create_app(platform)
    with TestClient(
        app, headers={"Authorization": f"Bearer {token}"}, raise_server_exceptions=raise_server_exceptions
    ) as client:
        api = LocalApi(client, platform, project_id, token)
        platform.launch = lambda job_ids, extra_files=None: api.launched.append((job_ids, extra_files))  # type: ignore[method-assign]
        try:
            yield api
        finally:
            platform.db.dispose()
