"""The API at scale (issue 12): 10,000 models, an experiment of 500 runs, a 100,000-point graph.

Seeded through the services (not HTTP) into a platform on SQLite that is never started;
then each request is timed through the ASGI app in this process (FastAPI's TestClient),
as the web UI makes it: the models list's first page, an experiment's page (its runs with
their final metrics, stored when each run ended), a long graph's first view (max_points as
the UI asks). Printed beside each: its goal, the figure before from the issue, and the
figure before measured here in the same run (the same request without what changed: the
list indexes dropped, final metrics read from the files, the graph sent whole). The graph's
first view is timed on a file touched before each request, so that it is read and thinned
every time; "viewed again" is the same graph unchanged (its thinned answer kept).
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text, update

from vlad.server.app import API_PREFIX, create_app
from vlad.server.models import Job, Model
from vlad.server.platform import Platform
from vlad.server.schemas.requests import ExperimentRequest, TrainRequest
from vlad.server.services import datasets, experiments, final_metrics, kernels, projects, training
from vlad.server.settings import Settings

TINY_KERNEL = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "kernels" / "tiny"
UNUSED_BROKER = "amqp://guest:guest@127.0.0.1:9/"  # never connected: the platform is not started
MODELS, RUNS, RUN_ROWS, GRAPH_ROWS = 10_000, 500, 1_000, 100_000
REQUESTS = 50
UI_PAGE, UI_MAX_POINTS = 20, 2000  # frontend: ModelsPage's LIMIT, LiveGraphs' max_points
LIST_INDEXES = (  # migration 0006
    "ix_models_project_id_created_at",
    "ix_models_project_id_training_type",
    "ix_models_experiment_id_name",
    "ix_experiments_project_id_created_at",
    "ix_validations_project_id_created_at",
    "ix_validations_model_id_created_at",
    "ix_datasets_project_id_training_type_name",
)


@dataclasses.dataclass
class Seeded:
    client: TestClient
    experiment_id: str
    graph_job: str


def metric_file(folder: Path, rows: int) -> None:
    lines = [
        f"{step}, {1 / step + 0.05 * math.sin(step):.6f}, {step / rows:.6f}\n" for step in range(1, rows + 1)
    ]
    (folder / "save" / "metrics").mkdir(parents=True, exist_ok=True)
    (folder / "save" / "metrics" / "loss.csv").write_text("step, loss, accuracy\n" + "".join(lines))


def seed(data_dir: Path) -> Seeded:
    settings = Settings(data_dir=data_dir, executor="local", database_url=None, _env_file=None)  # type: ignore[call-arg]
    platform = Platform(settings, UNUSED_BROKER)
    (data_dir / "data" / "train").mkdir(parents=True)
    (data_dir / "data" / "train" / "a.txt").write_text("a\n")
    with platform.db.session() as session:
        project, token = projects.create_project(session, "bench")
        kernels.register(session, project, path=str(TINY_KERNEL))
        datasets.register(session, project, "data", "classification", str(data_dir / "data"))
        request = TrainRequest(training_datasets=["data"], hyperparameters={"steps": 5})
        run = training.plan(session, project, request, uploads_dir=platform.uploads_dir)
        jobs_dir, executor = settings.jobs_dir, settings.executor
        models = [
            training.create(
                session,
                project,
                dataclasses.replace(run, name=f"model-{i:05d}"),
                origin="train",
                jobs_dir=jobs_dir,
                executor=executor,
                model_id=f"model-bench{i:05d}",  # new_id's 32 random bits collide at this count
            )
            for i in range(MODELS - RUNS)
        ]
        graph_job = models[0].id
        experiment, runs = experiments.create(
            session,
            project,
            ExperimentRequest(name="sweep", base=request, grid={"steps": list(range(1, RUNS + 1))}),
            jobs_dir,
            executor,
            platform.uploads_dir,
        )
        run_ids, experiment_id = [m.id for m in runs], experiment.id
        session.execute(update(Job).values(status="done"))
    for model_id in run_ids:
        metric_file(jobs_dir / model_id / "output", RUN_ROWS)
    metric_file(jobs_dir / graph_job / "output", GRAPH_ROWS)
    final_metrics.record(platform.db, run_ids)  # as the platform does when they end
    client = TestClient(create_app(platform), headers={"Authorization": f"Bearer {token}"})
    return Seeded(client, experiment_id, graph_job)


def p95(
    client: TestClient, path: str, params: dict | None = None, before: Callable[[], None] = lambda: None
) -> Figure:
    """The 95th percentile (and median) of `REQUESTS` timings, after one warm-up; the body's size."""
    times, size = [], 0
    for _ in range(REQUESTS + 1):
        before()
        started = time.perf_counter()
        response = client.get(API_PREFIX + path, params=params)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:500]
        size = len(response.content)
    ordered = sorted(times[1:])
    return Figure(ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000, statistics.median(ordered) * 1000, size)


@dataclasses.dataclass
class Figure:
    ms: float  # p95
    median_ms: float
    size: int

    def __str__(self) -> str:
        return f"{self.ms:6.1f} ms ({self.median_ms:5.1f}) {self.size / 1024:5.0f} KiB"


def show(label: str, now: Figure, goal: float | None, issue: str, here: Figure, how: str) -> None:
    verdict = "" if goal is None else f"under {goal:3.0f} ms {'ok' if now.ms < goal else 'MISSED':6}"
    print(f"{label:34} {now}  {verdict:19}  {issue:>8}  {here}  {how}")


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="vlad-bench-scale-"))
    try:
        started = time.perf_counter()
        seeded = seed(data_dir)
        print(
            f"seeded {MODELS} models, an experiment of {RUNS} runs ({RUN_ROWS}-row metric files) and a "
            f"{GRAPH_ROWS}-point graph in {time.perf_counter() - started:.0f} s; p95 of {REQUESTS} requests; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(
            f"{'':34} {'now: p95 (median), body':26}  {'goal (p95)':19}  {'issue':>8}  before, measured here"
        )
        client, platform = seeded.client, seeded.client.app.state.platform
        graph = f"/jobs/{seeded.graph_job}/graphs/loss"
        graph_file = (
            platform.settings.jobs_dir / seeded.graph_job / "output" / "save" / "metrics" / "loss.csv"
        )
        with client:
            models = p95(client, "/models", {"limit": UI_PAGE})
            experiment = p95(client, f"/experiments/{seeded.experiment_id}")
            cold = p95(client, graph, {"max_points": UI_MAX_POINTS}, before=lambda: graph_file.touch())
            again = p95(client, graph, {"max_points": UI_MAX_POINTS})
            whole = p95(client, graph)
            with platform.db.session() as session:  # as before: no stored final metrics ...
                session.execute(update(Model).values(final_metrics=None))
            files = p95(client, f"/experiments/{seeded.experiment_id}")
            with platform.db.engine.begin() as connection:  # ... and no list indexes
                for index in LIST_INDEXES:
                    connection.execute(text(f"DROP INDEX {index}"))
            unindexed = p95(client, "/models", {"limit": UI_PAGE})
        show("models list, first page", models, 50, "85 ms", unindexed, "without the list indexes")
        show(
            f"experiment view, {RUNS} runs",
            experiment,
            150,
            "1200 ms",
            files,
            "final metrics read from files",
        )
        show(f"graph first view, max_points={UI_MAX_POINTS}", cold, 100, "2.3 MB", whole, "every point")
        show("graph viewed again, file unchanged", again, None, "", whole, "every point")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
