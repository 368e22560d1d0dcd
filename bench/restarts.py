"""Training that survives: what a checkpoint costs the reference kernel, and how long a job
killed in the middle of an epoch takes to train again.

- **Checkpoint cost.** The reference kernel (`small_cnn`, its defaults, the demo digits, CPU)
  trains 6 epochs in this process through the SDK's `job.checkpoint`; each checkpoint
  (weights, optimizer, schedule, random generators: `torch.save` into a folder renamed whole)
  is timed, beside the epoch it follows.
- **Kill to resumed training.** On a real platform (`vlad up`, local executor), the same
  kernel is killed (SIGKILL) right after its epoch-2 checkpoint, `KILLS` times; from the
  kill to the resumed attempt's first `training_ing` applied (its `started_at`), split into:
  the end noticed and the attempt recorded (the monitor waits `exit_grace_seconds`, 2 s, for
  a last status), placed by the scheduler, and the kernel's start (Python, torch, data).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from vlad.devtools.platform_process import RunningPlatform, kernel_pid
from vlad.devtools.rabbitmq import broker

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "kernels" / "image_classification"
KILLS = int(os.environ.get("VLAD_BENCH_KILLS", "3"))


def main() -> None:
    checkpoint_cost()
    kill_to_resume()


def checkpoint_cost() -> None:
    sys.path.insert(0, str(REFERENCE))
    from image_classification import train  # noqa: PLC0415 - the kernel's folder is on the path now
    from vlad.contract import TrainingConfig
    from vlad.demo import write_digits_dataset
    from vlad.kernel import Job

    work = Path(tempfile.mkdtemp(prefix="vlad-bench-ckpt-"))
    write_digits_dataset(work / "digits")
    defaults = json.loads((REFERENCE / "kernel.json").read_text())["model_types"]["small_cnn"]
    config = TrainingConfig.model_construct(model_write_path=str(work / "out"))
    job = Job(config, {}, None)  # type: ignore[arg-type] - no reports here
    costs: list[float] = []
    epochs: list[float] = []
    marks = [time.perf_counter()]

    @contextmanager
    def timed(step: int) -> Iterator[Path]:
        epochs.append(time.perf_counter() - marks[-1])
        started = time.perf_counter()
        with job.checkpoint(step) as folder:
            yield folder
        costs.append(time.perf_counter() - started)
        marks.append(time.perf_counter())

    train.fit(
        work / "digits" / "train",
        work / "digits" / "val",
        {**defaults, "epochs": 6},
        work / "model",
        checkpoint=timed,
    )
    size = sum(p.stat().st_size for p in (work / "out" / "save" / "checkpoints").rglob("*") if p.is_file())
    kept = len(list((work / "out" / "save" / "checkpoints").iterdir()))
    cost, epoch = statistics.median(costs) * 1000, statistics.median(epochs[1:] or epochs) * 1000
    print(
        f"checkpoint of the reference kernel: median {cost:.1f} ms, max {max(costs) * 1000:.1f} ms "
        f"({len(costs)} checkpoints, {size / kept / 1024:.0f} KiB each); an epoch: median {epoch:.0f} ms, "
        f"so {100 * cost / epoch:.1f} % of training time with one checkpoint per epoch"
    )


def kill_to_resume() -> None:
    with broker() as url:
        data = Path(tempfile.mkdtemp(prefix="vlad-bench-restart-"))
        platform = RunningPlatform(data, url).start()
        try:
            with platform.client() as api:
                kernel = api.ok("GET", "/kernels", params={"name": "image-classification"})[0]["id"]
                phases: list[tuple[float, float, float]] = []
                for _ in range(KILLS):
                    model = api.ok(
                        "POST",
                        "/models",
                        json={
                            "kernel": kernel,
                            "training_datasets": ["digits"],
                            "hyperparameters": {"epochs": 6},
                        },
                    )
                    job_dir = data / "jobs" / model["id"]
                    while not (job_dir / "output" / "save" / "checkpoints" / "2").is_dir():
                        time.sleep(0.005)
                    killed = datetime.now(UTC)
                    os.kill(kernel_pid(job_dir), signal.SIGKILL)
                    job = api.wait_for(
                        f"/jobs/{model['id']}",
                        lambda j: (
                            j["attempt"] == 2 and j["started_at"] is not None or j["status"] == "failed"
                        ),
                        timeout=120,
                        interval=0.02,
                    )
                    assert job["status"] == "training", job
                    recorded = datetime.fromisoformat(job["attempts"][0]["ended_at"])
                    placed = datetime.fromisoformat(job["placed_at"])
                    started = datetime.fromisoformat(job["started_at"])
                    phases.append(
                        (
                            (recorded - killed).total_seconds(),
                            (placed - recorded).total_seconds(),
                            (started - placed).total_seconds(),
                        )
                    )
                    api.ok("POST", f"/jobs/{model['id']}/stop")
        finally:
            platform.stop()
    totals = [sum(p) for p in phases]
    noticed, placing, starting = (statistics.median(p[i] for p in phases) for i in range(3))
    print(
        f"kill to the resumed attempt's first training_ing: median {statistics.median(totals):.2f} s, "
        f"max {max(totals):.2f} s ({KILLS} kills): end noticed and recorded {noticed:.2f} s "
        f"(exit grace 2 s), placed {placing:.2f} s, kernel start to its first training_ing {starting:.2f} s"
    )


if __name__ == "__main__":
    main()
