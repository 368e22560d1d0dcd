"""Where the model runs: the GPUs the platform handed over, else the CPU."""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn


def cpu_budget() -> int:
    """CPUs this process may really use: its affinity, capped by a cgroup CPU quota and by
    `OMP_NUM_THREADS` when it is set (the platform sets it to the CPUs the job was given).

    Containers limit CPU by quota, not affinity; left alone torch starts one thread per
    host core and the threads then fight over the quota. Several runs of one machine fight
    the same way unless each keeps to its share: two runs of two threads each on two cores
    took three times as long as one after the other.
    """
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    omp = os.environ.get("OMP_NUM_THREADS", "")
    if omp.strip().isdigit():
        count = min(count, int(omp))
    return max(1, count)


def pick_device() -> torch.device:
    """CUDA when there is a GPU (the platform sets CUDA_VISIBLE_DEVICES), else CPU."""
    torch.set_num_threads(cpu_budget())
    return torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def parallel(model: nn.Module, device: torch.device) -> nn.Module:
    """Move `model` to `device`; spread batches over every visible GPU when there are several."""
    model = model.to(device)
    if device.type == "cuda" and torch.cuda.device_count() > 1:
        return nn.DataParallel(model)
    return model
