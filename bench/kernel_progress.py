"""Kernel-side cost of one progress report, beside one `mlflow.log_metric` call.

Both measured in this run, on this machine: `job.progress()` against a live broker
(the publisher thread sends while the loop goes on), and `mlflow.log_metric` to a local
SQLite tracking store (MLflow 3's default local store).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

from vlad.contract import Operation, TrainingConfig
from vlad.devtools.rabbitmq import broker
from vlad.kernel import Job, StatusPublisher

CALLS = 100_000
MLFLOW_CALLS = 2_000


def _summary(samples_ns: list[int]) -> tuple[float, float]:
    ordered = sorted(samples_ns)
    return statistics.fmean(ordered) / 1000, ordered[int(len(ordered) * 0.99)] / 1000


def measure_progress(url: str) -> tuple[float, float, StatusPublisher]:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    publisher = StatusPublisher(
        parsed.hostname or "127.0.0.1",
        parsed.port or 5672,
        parsed.username or "guest",
        parsed.password or "guest",
        "vlad-bench-progress",
    ).start()
    config = TrainingConfig.model_construct(
        operation=Operation.TRAINING, model_id="bench", project_key="bench"
    )
    job = Job(config, {}, publisher)
    samples = []
    clock = time.perf_counter_ns
    for step in range(CALLS):
        started = clock()
        job.progress(step=step, total=CALLS)
        samples.append(clock() - started)
    publisher.close(timeout=60)
    return (*_summary(samples), publisher)


def measure_mlflow() -> tuple[float, float]:
    import mlflow

    warnings.filterwarnings("ignore")
    store = Path(tempfile.mkdtemp(prefix="vlad-bench-mlflow-"))
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")  # MLflow 3's default local store
    samples = []
    with mlflow.start_run():
        clock = time.perf_counter_ns
        for step in range(MLFLOW_CALLS):
            started = clock()
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            samples.append(clock() - started)
    return _summary(samples)


def main() -> None:
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    with broker() as url:
        mean, p99, publisher = measure_progress(url)
        from vlad.devtools.rabbitmq import drop_queue

        drop_queue(url, "vlad-bench-progress")
    ml_mean, ml_p99 = measure_mlflow()
    print(
        f"job.progress()        mean {mean:8.2f} us   p99 {p99:8.2f} us   ({CALLS} calls; "
        f"{publisher.confirmed} confirmed, {publisher.merged} merged while the broker was busy)"
    )
    print(
        f"mlflow.log_metric()   mean {ml_mean:8.2f} us   p99 {ml_p99:8.2f} us   "
        f"({MLFLOW_CALLS} calls, local SQLite store)"
    )
    print(f"ratio (mean)          1/{ml_mean / mean:.0f} of mlflow's   goal: at most 1/50")
