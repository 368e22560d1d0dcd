"""services.launch: the commit comes before the call-out, and deletion reads what the stop wrote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from vlad.server.db import Database
from vlad.server.models import Project
from vlad.server.services.launch import start_jobs, stop_and_delete


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'vlad.db'}")
    database.migrate()
    yield database
    database.dispose()


def _names(db: Database) -> list[str]:
    with db.session() as other:
        return list(other.scalars(select(Project.name).order_by(Project.name)))


def test_start_jobs_commits_before_it_launches(db: Database) -> None:
    seen: list[tuple[list[str], list[str] | None, list[str]]] = []

    def launch(job_ids: list[str], extra_files: list[str] | None = None) -> None:
        seen.append((job_ids, extra_files, _names(db)))  # what a kernel's first report would find

    with db.session() as session:
        session.add(Project(id="p1", name="one", project_key="k"))
        start_jobs(session, launch, ["p1"], ["file-1"])
    assert seen == [(["p1"], ["file-1"], ["one"])]


def test_stop_and_delete_stops_first_then_deletes_what_it_reads_afresh(db: Database) -> None:
    with db.session() as session:
        session.add_all(
            [Project(id="p1", name="one", project_key="k"), Project(id="p2", name="two", project_key="k")]
        )
    events: list[str] = []

    def stop(job_id: str) -> bool:
        with db.session() as other:  # as the platform's stop_job: a session of its own
            other.get(Project, job_id).name = "stopped"  # type: ignore[union-attr]
        events.append(f"stop {job_id}")
        return True

    with db.session() as session:
        row = session.get(Project, "p1")
        assert row is not None and row.name == "one"

        def delete() -> str:
            fresh = session.get(Project, "p1")
            assert fresh is not None
            events.append(f"delete {fresh.name}")
            session.delete(fresh)
            return fresh.name

        assert stop_and_delete(session, stop, ["p1"], delete) == "stopped"
        assert _names(db) == ["two"]  # committed before it returns
    assert events == ["stop p1", "delete stopped"]


def test_stop_and_delete_with_no_job_only_deletes(db: Database) -> None:
    with db.session() as session:
        session.add(Project(id="p1", name="one", project_key="k"))
    with db.session() as session:
        stop_and_delete(
            session,
            lambda _id: pytest.fail("nothing to stop"),
            [],
            lambda: session.delete(session.get(Project, "p1")),
        )
    assert _names(db) == []
