"""The database layer on SQLite and, where a server answers, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from tests.conftest import TINY_KERNEL

from vlad.contract import Command, Status, StatusMessage
from vlad.devtools.rabbitmq import port_open
from vlad.server.db import Database
from vlad.server.ingestion.batch import apply_batch
from vlad.server.models import Base, Job
from vlad.server.services import kernels, projects

POSTGRES_ADMIN = os.environ.get(
    "VLAD_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'vlad.db'}")
        yield db
        db.dispose()
        return
    if not port_open("127.0.0.1", 5432):
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    name = f"vlad_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_from_empty_match_the_models(database: Database):
    database.migrate()
    with database.engine.connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
        assert diff == []
        assert set(inspect(connection).get_table_names()) >= set(Base.metadata.tables)
    database.migrate()  # a second upgrade is a no-op


def _job(database: Database) -> tuple[str, str]:
    with database.session() as session:
        project, _token = projects.create_project(session, f"p-{uuid.uuid4().hex[:6]}")
        kernel = kernels.register(session, project, path=str(TINY_KERNEL))
        job = Job(
            id=f"model-{uuid.uuid4().hex[:8]}",
            project_id=project.id,
            operation="training",
            kernel_id=kernel.id,
            executor="local",
            status="waiting",
            job_dir="/tmp/x",
        )
        session.add(job)
        return job.id, project.project_key


def _message(job_id: str, key: str, status: Status, step: int | None = None) -> StatusMessage:
    return StatusMessage(
        cmd=Command.TRAINING,
        project_key=key,
        model_id=job_id,
        status=status,
        step=step,
        percentage=None if step is None else float(step),
    )


def test_batches_follow_the_rules_and_a_redelivery_changes_nothing(database: Database):
    database.migrate()
    job_id, key = _job(database)
    batch = [
        _message(job_id, key, Status.ING, 1),
        _message(job_id, key, Status.ING, 3),
        _message(job_id, key, Status.ING, 2),
        _message(job_id, "forged", Status.ERROR),
        _message("model-nope", key, Status.DONE),
        _message(job_id, key, Status.DONE),
        _message(job_id, key, Status.ING, 4),
    ]
    result = apply_batch(database, batch)
    assert dict(result.counts) == {
        "applied": 3,
        "stale": 1,
        "wrong_project_key": 1,
        "unknown_job": 1,
        "after_end": 1,
    }
    with database.session() as session:
        job = session.get(Job, job_id)
        assert (job.status, job.step, job.percentage) == ("done", 3, 100.0)
        finished = job.finished_at
    again = apply_batch(database, batch)  # redelivered after a crash before the ack
    assert again.changed == {} and again.counts["after_end"] == 5
    with database.session() as session:
        assert session.get(Job, job_id).finished_at == finished
