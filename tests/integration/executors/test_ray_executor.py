"""The Ray executor on a real two-node Ray cluster, inside a private network namespace.

One test runs the shared contract suite for Ray, and the Ray executor's resource tests
(test_ray_cluster_resources.py), in a pytest of their own under `unshare`
(new network, PID and mount namespaces); inside, the `ray_address` fixture starts the
cluster: a head node and a worker declaring 2 GPUs. When that pytest ends, so does every
process of its PID namespace.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vlad.devtools.raycluster import (
    RAY_ADDRESS,
    RAY_TESTS_ENV,
    private_network_argv,
    private_network_missing,
    ray_tests_inside,
)

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent


@pytest.mark.timeout(720)
@pytest.mark.skipif(ray_tests_inside(), reason="this is the run inside")
@pytest.mark.skipif(bool(RAY_ADDRESS), reason="the contract suite runs against $VLAD_TEST_RAY_ADDRESS")
def test_the_ray_suite_in_a_private_network_namespace(tmp_path: Path) -> None:
    pytest.importorskip("ray.job_submission", reason="pip install 'vlad[ray]'")
    why = private_network_missing()
    if why:
        pytest.skip(why)
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--basetemp={tmp_path / 'inside'}",
        str(HERE / "test_executor_contract.py"),
        str(HERE / "test_ray_cluster_resources.py"),
        str(HERE / "test_ray_node_loss.py"),
    ]
    env = {**os.environ, RAY_TESTS_ENV: "inside"}
    done = subprocess.run(
        private_network_argv(argv), cwd=REPO, env=env, capture_output=True, text=True, timeout=700
    )
    assert done.returncode == 0, f"the Ray suite failed:\n{done.stdout[-12000:]}\n{done.stderr[-3000:]}"
    assert " passed" in done.stdout and " failed" not in done.stdout
