"""services.model_registry, directly on a real database: the list query and the activate rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.factories import model_row, project_row

from vlad.server.db import Database
from vlad.server.services import model_registry
from vlad.server.services.errors import Invalid, NotFound
from vlad.server.services.model_registry import ModelFilters


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'vlad.db'}")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def rows(db: Database) -> Iterator[dict]:
    with db.session() as session:
        mine, theirs = project_row(session, "mine"), project_row(session, "theirs")
        made = {
            "done": model_row(session, mine, name="digits-done", status="done"),
            "training": model_row(session, mine, name="digits-training", status="training"),
            "failed": model_row(session, mine, name="Other-Failed", status="failed"),
            "imported": model_row(session, mine, name="imported", status=None, training_type="detection"),
            "theirs": model_row(session, theirs, name="digits-theirs", status="done"),
        }
        yield {"session": session, "mine": mine, **made}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ModelFilters(), {"done", "training", "failed", "imported"}),
        (ModelFilters(status="done"), {"done", "imported"}),  # an imported model counts as done
        (ModelFilters(status="training"), {"training"}),
        (ModelFilters(q="DIGITS"), {"done", "training"}),  # any case, never another project's
        (ModelFilters(q="other-f"), {"failed"}),
        (ModelFilters(training_type="detection"), {"imported"}),
        (ModelFilters(active=False), {"done", "training", "failed", "imported"}),
        (ModelFilters(active=True), set()),
    ],
)
def test_the_list_is_the_projects_own_and_filtered(rows: dict, filters: ModelFilters, expected: set) -> None:
    found, total = model_registry.list_models(rows["session"], rows["mine"], filters, 0, 100)
    assert {m.id for m in found} == {rows[k].id for k in expected}
    assert total == len(expected)


def test_pages_keep_the_total(rows: dict) -> None:
    first, total = model_registry.list_models(rows["session"], rows["mine"], ModelFilters(), 0, 3)
    rest, again = model_registry.list_models(rows["session"], rows["mine"], ModelFilters(), 3, 3)
    assert total == again == 4 and len(first) == 3 and len(rest) == 1
    assert not {m.id for m in first} & {m.id for m in rest}


@pytest.mark.parametrize("key", ["done", "imported"])
def test_a_finished_or_imported_model_can_be_activated_and_deactivated(rows: dict, key: str) -> None:
    session, mine = rows["session"], rows["mine"]
    assert model_registry.set_active(session, mine, rows[key].id, True).active is True
    assert model_registry.set_active(session, mine, rows[key].id, False).active is False


@pytest.mark.parametrize("key", ["training", "failed"])
def test_an_unfinished_model_cannot_be_activated_but_can_be_deactivated(rows: dict, key: str) -> None:
    session, mine = rows["session"], rows["mine"]
    with pytest.raises(Invalid, match="only a finished model can be activated"):
        model_registry.set_active(session, mine, rows[key].id, True)
    assert model_registry.set_active(session, mine, rows[key].id, False).active is False


def test_another_projects_model_is_not_found(rows: dict) -> None:
    with pytest.raises(NotFound):
        model_registry.set_active(rows["session"], rows["mine"], rows["theirs"].id, True)
