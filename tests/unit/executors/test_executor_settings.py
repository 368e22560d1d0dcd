"""Each executor builds itself from the platform's settings (`Executor.options_from`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vlad.executors.local.executor import LocalProcessExecutor
from vlad.executors.registry import executor_class
from vlad.server.settings import Settings


@dataclass(frozen=True)
class Case:
    executor: str
    expected: dict[str, Any]  # besides grace_seconds, which every executor takes


CASES = [
    Case("local", {"gpus": ["0", "1"], "cpus": 6.0, "memory_gb": 12.5}),
    Case(
        "docker",
        {
            "gpus": ["0", "1"],
            "cpus": 6.0,
            "memory_gb": 12.5,
            "base_url": "unix:///run/podman/podman.sock",
            "network_mode": "host",
            "extra_mounts": ["/usr"],
            "use_manifest_command": True,
            "user": "1000:1000",
        },
    ),
    Case(
        "kubernetes",
        {
            "namespace": "vlad",
            "data_claim": "vlad-data",
            "data_path": "<data_dir>",
            "active_deadline_seconds": 600,
            "max_jobs": 5,
        },
    ),
    Case("ray", {"address": "http://ray-head:8265", "python": "python", "autoscaling": True}),
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        gpus=["0", "1"],
        cpus=6,
        memory_gb=12.5,
        stop_grace_seconds=3.0,
        docker_base_url="unix:///run/podman/podman.sock",
        docker_extra_mounts=["/usr"],
        docker_use_manifest_command=True,
        docker_user="1000:1000",
        kubernetes_namespace="vlad",
        kubernetes_data_claim="vlad-data",
        kubernetes_active_deadline_seconds=600,
        kubernetes_max_jobs=5,
        ray_address="http://ray-head:8265",
        ray_python="python",
        ray_autoscaling=True,
        _env_file=None,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.executor for c in CASES])
def test_each_executor_takes_its_own_settings(settings, case):
    pytest.importorskip(
        {"local": "subprocess", "docker": "docker", "kubernetes": "kubernetes", "ray": "ray"}[case.executor]
    )
    expected = {"grace_seconds": 3.0, **case.expected}
    if "data_path" in expected:  # the same path in the platform's pod and the jobs'
        expected["data_path"] = str(settings.data_dir.resolve())
    assert executor_class(case.executor).options_from(settings.model_dump()) == expected


def test_a_setting_not_given_leaves_the_constructors_default():
    assert LocalProcessExecutor.options_from({}) == {}


def test_from_settings_builds_the_executor(settings):
    executor = LocalProcessExecutor.from_settings(settings.model_dump())
    try:
        assert (executor.gpu_capacity(), executor.grace_seconds) == (2, 3.0)
    finally:
        executor.close()
