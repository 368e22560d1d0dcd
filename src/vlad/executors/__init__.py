"""Executors: where kernels run. One small interface (`base.Executor`), one folder each;
what they do the same way is written once (`tracking`, `common`).

Optional executors (containers, Kubernetes, Ray) import their client libraries lazily,
so a missing package makes that executor unavailable, not the platform broken.
"""

from vlad.executors.base import Executor, ExecutorUnavailable, JobSpec, JobState, RunStatus
from vlad.executors.registry import available_executors, create_executor, executor_from_settings

__all__ = [
    "Executor",
    "ExecutorUnavailable",
    "JobSpec",
    "JobState",
    "RunStatus",
    "available_executors",
    "create_executor",
    "executor_from_settings",
]
