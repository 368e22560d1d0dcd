"""Executors: where kernels run. One small interface (`base.Executor`), one folder each;
what they do the same way is written once (`tracking`, `common`).

Optional executors (containers, Kubernetes, Ray) import their client libraries lazily,
so a missing package makes that executor unavailable, not the platform broken.

The names below are imported on first use (PEP 562): the local executor's supervisor
(`python -m vlad.executors.local.supervise`) starts once per job, and each import it
spares is time a slot stands idle between two runs.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing's: importing typing alone costs the supervisor ~10 ms
if TYPE_CHECKING:
    from typing import Any

    from vlad.executors.base import Capacity, Executor, ExecutorUnavailable, JobSpec, JobState, RunStatus
    from vlad.executors.registry import available_executors, create_executor, executor_from_settings

_HOMES = {
    "Capacity": "vlad.executors.base",
    "Executor": "vlad.executors.base",
    "ExecutorUnavailable": "vlad.executors.base",
    "JobSpec": "vlad.executors.base",
    "JobState": "vlad.executors.base",
    "RunStatus": "vlad.executors.base",
    "available_executors": "vlad.executors.registry",
    "create_executor": "vlad.executors.registry",
    "executor_from_settings": "vlad.executors.registry",
}

__all__ = [
    "Capacity",
    "Executor",
    "ExecutorUnavailable",
    "JobSpec",
    "JobState",
    "RunStatus",
    "available_executors",
    "create_executor",
    "executor_from_settings",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
