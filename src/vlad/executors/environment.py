"""The environment a kernel starts with: an allow-list, never the platform's own.

The platform's environment holds its secrets (VLAD_S3_SECRET_ACCESS_KEY, the broker's and
the database's URLs with their passwords). A kernel prints what it likes into its log,
which the API serves, so it gets only what SPEC and the executors need: the config's
path, its GPUs, where programs and libraries are, locale, time zone, scratch space and
the kernel SDK's own settings. The job's `JobSpec.env` is added on top.

Thread limits are not inherited: every executor sets them to the CPUs the scheduler
counted for the job (`thread_limits`), so that jobs running side by side do not each start
a thread per core (16 PyTorch processes on 2 cores ran 3 times slower than one by one).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from vlad.executors.base import JobSpec

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
    # The kernel SDK's own settings (vlad.kernel.runtime).
    "VLAD_LOG_LEVEL",
    "VLAD_FLUSH_TIMEOUT",
)
INHERITED_PREFIXES = ("LC_",)
# Read by the thread pools of OpenMP (PyTorch's intra-op threads), MKL, OpenBLAS, numexpr
# and Apple's Accelerate. PyTorch has no variable of its own: it follows OMP_NUM_THREADS.
THREAD_LIMITS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def inherited(source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allowed variables of `source` (default: this process's environment)."""
    source = os.environ if source is None else source
    return {k: v for k, v in source.items() if k in INHERITED or k.startswith(INHERITED_PREFIXES)}


def thread_limits(cpus: float) -> dict[str, str]:
    """Each thread pool sized to the job's whole CPUs (at least one)."""
    return dict.fromkeys(THREAD_LIMITS, str(max(1, math.floor(cpus))))


def job_environment(spec: JobSpec) -> dict[str, str]:
    """What every executor gives a kernel beneath its own variables: unbuffered output and
    thread limits, then the job's own `env`, which may set either."""
    return {"PYTHONUNBUFFERED": "1", **thread_limits(spec.cpus), **spec.env}


def kernel_environment(
    own: Mapping[str, str], spec: JobSpec, source: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What a kernel started from `source` sees: the allowed variables, then the job's
    (`job_environment`), then the executor's (`own`: the config's path, the GPUs), which win."""
    return {**inherited(source), **job_environment(spec), **own}
