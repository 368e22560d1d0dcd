"""Where the executors under test run: a private Podman service, a Ray cluster.

Containers run an empty image with the host's Python mounted read-only into it
(`vlad.devtools.podman.host_python_mounts`): no registry, no image build, and the kernel
sees the same interpreter and packages as the tests.

Ray listens on all addresses, so its tests run in a pytest of their own inside a private
network namespace (tests/integration/executors/test_ray_executor.py starts it); there,
VLAD_TEST_RAY=inside and the `ray_address` fixture starts a two-node cluster.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vlad.devtools.podman import HOST_PYTHON_IMAGE, PodmanService, host_python_mounts, podman_missing
from vlad.devtools.raycluster import RAY_ADDRESS, RayTestCluster, ray_tests_inside

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def podman_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodmanService]:
    pytest.importorskip("docker", reason="pip install 'vlad[docker]'")
    why = podman_missing()
    if why:
        pytest.skip(f"the docker executor is tested on Podman: {why}")
    with PodmanService(tmp_path_factory.mktemp("podman")) as service:
        service.import_image(HOST_PYTHON_IMAGE, path_env=f"{sys.prefix}/bin:/usr/local/bin:/usr/bin:/bin")
        yield service


@pytest.fixture(scope="session")
def docker_options(podman_service: PodmanService, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Options of a docker executor whose containers run the host's Python, with the test
    folders (kernels, release files) and the repository (the SDK) readable inside."""
    return {
        "base_url": podman_service.url,
        "extra_mounts": host_python_mounts(tmp_path_factory.getbasetemp(), REPO),
        "use_manifest_command": True,
    }


@pytest.fixture(scope="session")
def ray_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """$VLAD_TEST_RAY_ADDRESS, else a two-node cluster (2 GPUs declared on the worker)
    started here, which only happens inside a private network namespace."""
    if RAY_ADDRESS:
        yield RAY_ADDRESS
        return
    if not ray_tests_inside():
        pytest.skip("Ray tests run inside a private network namespace (test_ray_executor.py starts them)")
    pytest.importorskip("ray.job_submission", reason="pip install 'vlad[ray]'")
    with RayTestCluster(tmp_path_factory.mktemp("ray")) as cluster:
        yield cluster.address


@pytest.fixture(scope="session")
def ray_options(ray_address: str) -> dict[str, Any]:
    return {"address": ray_address, "grace_seconds": 1, "poll_seconds": 0.2}
