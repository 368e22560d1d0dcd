from collections.abc import Iterator

import pytest

from vlad.devtools.platform_process import Api, RunningPlatform


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory, broker_url: str) -> Iterator[RunningPlatform]:
    """One platform for the session: `vlad up` on a free port, its own data folder and queue."""
    running = RunningPlatform(tmp_path_factory.mktemp("platform"), broker_url).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def api(platform: RunningPlatform) -> Iterator[Api]:
    with platform.client() as client:
        yield client


@pytest.fixture(scope="module")
def project_api(api: Api, platform: RunningPlatform, request: pytest.FixtureRequest) -> Iterator[Api]:
    """An API client of a project of the module's own, with the demo `digits` dataset.

    Kernels registered there stay there: the shared platform's default project keeps proposing
    the reference kernel to the tests that rely on it, whatever order the modules run in.
    """
    name = f"test-{request.module.__name__.rsplit('.', 1)[-1]}"[:100]
    created = api.ok("POST", "/projects", json={"name": name})
    with Api(str(api.base_url).rstrip("/"), created["token"]) as client:
        digits = platform.data_dir / "demo" / "digits"
        client.ok(
            "POST",
            "/datasets",
            json={"name": "digits", "training_type": "classification", "location": str(digits)},
        )
        yield client
