"""Time from submitting a job to its first `training_ing` visible in the API (trivial kernel)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from vlad.devtools.platform_process import RunningPlatform
from vlad.devtools.rabbitmq import broker

TINY_KERNEL = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "kernels" / "tiny"
RUNS = 10


def main() -> None:
    with broker() as url:
        platform = RunningPlatform(Path(tempfile.mkdtemp(prefix="vlad-bench-")), url).start()
        try:
            with platform.client() as api:
                kernel = api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})["id"]
                latencies = []
                for _ in range(RUNS):
                    started = time.perf_counter()
                    model = api.ok(
                        "POST",
                        "/models",
                        json={
                            "kernel": kernel,
                            "training_datasets": ["digits"],
                            "hyperparameters": {"steps": 3, "sleep": 0.05},
                        },
                    )
                    api.wait_for(f"/models/{model['id']}", lambda m: m["status"] != "waiting", interval=0.005)
                    latencies.append(time.perf_counter() - started)
                    api.wait_job(model["id"])
        finally:
            platform.stop()
    ordered = sorted(latencies)
    print(
        f"submit -> first training_ing in the API: median {statistics.median(ordered) * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms over {RUNS} jobs   goal: under 1000 ms"
    )
