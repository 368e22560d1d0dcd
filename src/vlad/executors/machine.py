"""How much of this machine jobs may use: the CPUs and memory the operating system gives this
process, within its cgroup's (v2) quota when the platform runs in a container or a pod.

Memory counts in GiB everywhere (`memory_gb: 2` is 2 * 2**30 bytes): a job's bound, an
executor's capacity, and what the engines are asked for.
"""

from __future__ import annotations

import os
from pathlib import Path

GIB = 2**30
PROC = Path("/proc")
CGROUP = Path("/sys/fs/cgroup")  # cgroup v2; in a container, its own cgroup


def usable_cpus(cgroup: Path = CGROUP) -> float:
    """The CPUs this process may run on (its affinity), bounded by its cgroup's quota."""
    try:
        count = float(len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        count = float(os.cpu_count() or 1)
    quota = cgroup_cpus(cgroup)
    return min(count, quota) if quota is not None else count


def usable_memory_gb(proc: Path = PROC, cgroup: Path = CGROUP) -> float | None:
    """The machine's memory in GiB (two decimals), bounded by the cgroup's; None if unknown."""
    total = memtotal_bytes(proc)
    limit = cgroup_memory_bytes(cgroup)
    if total is None or (limit is not None and limit < total):
        total = limit
    return None if total is None else round(total / GIB, 2)


def memtotal_bytes(proc: Path = PROC) -> int | None:
    """MemTotal of /proc/meminfo, else the physical pages the system reports."""
    try:
        for line in (proc / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024  # in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def cgroup_cpus(cgroup: Path = CGROUP) -> float | None:
    """The CPUs the cgroup's quota allows (cpu.max "250000 100000" is 2.5); None: no quota."""
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        return None


def cgroup_memory_bytes(cgroup: Path = CGROUP) -> int | None:
    """The cgroup's memory limit (memory.max) in bytes; None: no limit."""
    try:
        text = (cgroup / "memory.max").read_text().strip()
        return None if text == "max" else int(text)
    except (OSError, ValueError):
        return None
