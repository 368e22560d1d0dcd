"""Executors by name, imported lazily."""

from __future__ import annotations

import importlib
from typing import Any

from vlad.executors.base import Executor, ExecutorUnavailable

_EXECUTORS = {
    "local": "vlad.executors.local.executor:LocalProcessExecutor",
    "docker": "vlad.executors.docker.executor:ContainerExecutor",
    "kubernetes": "vlad.executors.kubernetes.executor:KubernetesExecutor",
    "ray": "vlad.executors.ray.executor:RayExecutor",
}


def available_executors() -> list[str]:
    return sorted(_EXECUTORS)


def create_executor(name: str, **options: Any) -> Executor:
    """The executor called `name`; ExecutorUnavailable when it cannot run here."""
    if name not in _EXECUTORS:
        raise ExecutorUnavailable(f"unknown executor {name!r}; available: {', '.join(available_executors())}")
    module_name, _, attr = _EXECUTORS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ExecutorUnavailable(
            f"executor {name!r} needs a package that is missing: {exc.name} (pip install 'vlad[{name}]')"
        ) from exc
    return getattr(module, attr)(**options)
