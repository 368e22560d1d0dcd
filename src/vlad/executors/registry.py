"""Executors by name, imported lazily: a missing optional package makes its executor
unavailable, not the platform broken."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from vlad.executors.base import Executor, ExecutorUnavailable

_EXECUTORS = {
    "local": "vlad.executors.local.executor:LocalProcessExecutor",
    "docker": "vlad.executors.docker.executor:DockerExecutor",
    "kubernetes": "vlad.executors.kubernetes.executor:KubernetesExecutor",
    "ray": "vlad.executors.ray.executor:RayExecutor",
}


def available_executors() -> list[str]:
    return sorted(_EXECUTORS)


def executor_class(name: str) -> type[Executor]:
    """The class of the executor called `name`; ExecutorUnavailable when it cannot be imported."""
    if name not in _EXECUTORS:
        raise ExecutorUnavailable(f"unknown executor {name!r}; available: {', '.join(available_executors())}")
    module_name, _, attr = _EXECUTORS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExecutorUnavailable(
            f"executor {name!r} needs a package that is missing: {exc.name} (pip install 'vlad[{name}]')"
        ) from exc
    cls: type[Executor] = getattr(module, attr)
    return cls


def create_executor(name: str, **options: Any) -> Executor:
    """The executor called `name`, made with these constructor keywords; ExecutorUnavailable
    when it cannot run here."""
    return executor_class(name)(**options)


def executor_from_settings(name: str, settings: Mapping[str, Any]) -> Executor:
    """The executor called `name`, made from the platform's settings as a plain mapping
    (see `Executor.options_from`); ExecutorUnavailable when it cannot run here."""
    return executor_class(name).from_settings(settings)
