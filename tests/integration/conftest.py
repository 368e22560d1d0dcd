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
