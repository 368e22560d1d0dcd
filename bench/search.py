"""Experiments that search: TPE with ASHA pruning against random search without pruning.

On the demo digits with the reference kernel (CPU), one space: learning_rate 1e-4..1e-1 (log),
width 8..64 (step 8), model_type small_cnn or mlp, 8 epochs; `TRIALS` trials each, the same
`max_parallel` (this machine's cores). Each search runs on a platform of its own (`vlad up`,
local executor). Printed: the best validation accuracy, the kernels' CPU-seconds (the
platform's reaped children: supervisors and kernels, from /proc/<pid>/stat), the wall time
from submission to the search's end, and how many trials were pruned. Goal: the same best
accuracy within 0.5 points at no more than half the compute.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from vlad.devtools.platform_process import RunningPlatform
from vlad.devtools.rabbitmq import broker

TRIALS = int(os.environ.get("VLAD_BENCH_SEARCH_TRIALS", "24"))
SEED = int(os.environ.get("VLAD_BENCH_SEARCH_SEED", "0"))
SPACE = {
    "learning_rate": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
    "width": {"type": "int", "low": 8, "high": 64, "step": 8},
    "model_type": {"choices": ["small_cnn", "mlp"]},
}


def main() -> None:
    parallel = len(os.sched_getaffinity(0))
    with broker() as url:
        results = {
            name: run_search(url, sampler, pruner, parallel)
            for name, sampler, pruner in (
                ("TPE + ASHA", "tpe", "asha"),
                ("random, no pruning", "random", "none"),
            )
        }
    for name, r in results.items():
        print(
            f"{name}: best val_accuracy {100 * r['best']:.2f} % ({r['params']}); "
            f"kernel CPU {r['cpu']:.0f} s; "
            f"wall {r['wall']:.0f} s; {r['pruned']} of {TRIALS} trials pruned (max_parallel {parallel})"
        )
    tpe, rnd = results["TPE + ASHA"], results["random, no pruning"]
    print(
        f"TPE + ASHA against random: best {100 * (tpe['best'] - rnd['best']):+.2f} points, "
        f"compute {tpe['cpu'] / rnd['cpu']:.2f} x, wall {tpe['wall'] / rnd['wall']:.2f} x "
        "(goal: within 0.5 points at no more than 0.5 x the compute)"
    )


def _children_cpu(pid: int) -> float:
    """CPU-seconds of the reaped children of `pid` (cutime + cstime of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def run_search(url: str, sampler: str, pruner: str, parallel: int) -> dict[str, Any]:
    platform = RunningPlatform(Path(tempfile.mkdtemp(prefix=f"vlad-bench-search-{sampler}-")), url).start()
    try:
        with platform.client() as api:
            kernel = api.ok("GET", "/kernels", params={"name": "image-classification"})[0]["id"]
            assert platform.process is not None
            cpu_before = _children_cpu(platform.process.pid)
            started = time.monotonic()
            experiment = api.ok(
                "POST",
                "/experiments",
                json={
                    "name": f"bench-{sampler}-{pruner}",
                    "base": {
                        "kernel": kernel,
                        "training_datasets": ["digits"],
                        "hyperparameters": {"epochs": 8},
                    },
                    "search": {
                        "space": SPACE,
                        "sampler": sampler,
                        "pruner": pruner,
                        "objective": {"metric": "accuracy.val_accuracy", "mode": "max"},
                        "max_trials": TRIALS,
                        "max_parallel": parallel,
                        "seed": SEED,
                    },
                },
            )
            done = api.wait_for(
                f"/experiments/{experiment['id']}",
                lambda e: e["search"]["state"] == "done",
                timeout=3600,
                interval=1.0,
            )
            wall = time.monotonic() - started
            cpu = _children_cpu(platform.process.pid) - cpu_before
    finally:
        platform.stop()
    search = done["search"]
    best = search["best"] or {"value": 0.0, "params": {}}
    params = ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in best["params"].items()
    )
    return {
        "best": best["value"],
        "params": params,
        "cpu": cpu,
        "wall": wall,
        "pruned": sum(t["state"] == "PRUNED" for t in search["trials"]),
    }


if __name__ == "__main__":
    main()
