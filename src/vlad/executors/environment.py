"""The environment a kernel starts with: an allow-list, never the platform's own.

The platform's environment holds its secrets (VLAD_S3_SECRET_ACCESS_KEY, the broker's and
the database's URLs with their passwords). A kernel prints what it likes into its log,
which the API serves, so it gets only what SPEC and the executors need: the config's
path, its GPUs, where programs and libraries are, locale, time zone, scratch space,
thread limits, and the kernel SDK's own settings. The job's `JobSpec.env` is added on top.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Passed on from the environment the kernel is started from, when set there.
INHERITED = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TERM",
    # Python kernels run with the platform's interpreter and its packages (vlad.kernel).
    "PYTHONPATH",
    "VIRTUAL_ENV",
    # Accelerators: where their libraries are and which devices the node offers.
    "LD_LIBRARY_PATH",
    "CUDA_HOME",
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    # Thread limits.
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    # The kernel SDK's own settings (vlad.kernel.runtime).
    "VLAD_LOG_LEVEL",
    "VLAD_FLUSH_TIMEOUT",
)
INHERITED_PREFIXES = ("LC_",)


def inherited(source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allowed variables of `source` (default: this process's environment)."""
    source = os.environ if source is None else source
    return {k: v for k, v in source.items() if k in INHERITED or k.startswith(INHERITED_PREFIXES)}


def kernel_environment(
    own: Mapping[str, str], job_env: Mapping[str, str], source: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What a kernel started from `source` sees: the allowed variables, then the job's own
    (`JobSpec.env`), then the executor's (`own`: the config's path, the GPUs), which win."""
    return {**inherited(source), "PYTHONUNBUFFERED": "1", **job_env, **own}
