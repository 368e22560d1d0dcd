"""A batch that cannot be applied is split until the message at fault stands alone;
a database that takes nothing is an outage, and then no message is at fault."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from vlad.contract import Command, Status, StatusMessage
from vlad.server.ingestion.batch import BatchResult, Outage, isolate


def msg(step: int) -> StatusMessage:
    return StatusMessage(
        cmd=Command.TRAINING, project_key="k", model_id=f"m{step}", status=Status.ING, step=step
    )


class FakeDatabase:
    """Applies a part in one go, or fails it whole when it holds a refused step."""

    def __init__(self, refused: set[int], error: Exception | None = None) -> None:
        self.refused, self.error = refused, error
        self.applied: list[int] = []
        self.calls = 0

    def attempt(self, part: list[StatusMessage]) -> BatchResult:
        self.calls += 1
        if self.error is not None:
            raise self.error
        bad = [m.step for m in part if m.step in self.refused]
        if bad:
            raise ValueError(f"step {bad[0]} refused")
        self.applied += [m.step for m in part]  # type: ignore[misc]
        result = BatchResult()
        result.counts["applied"] += len(part)
        return result


@pytest.mark.parametrize(
    ("size", "refused"),
    [(1, {0}), (16, {7}), (1000, {999}), (1000, {0, 500}), (7, {0, 1, 2, 3, 4, 5, 6})],
    ids=["alone", "one-in-16", "last-of-1000", "two-in-1000", "every-one"],
)
def test_the_messages_at_fault_are_found_and_the_rest_applied_in_order(size: int, refused: set[int]):
    db = FakeDatabase(refused)
    result, poison = isolate([msg(i) for i in range(size)], db.attempt, lambda: True)
    assert sorted(p.index for p in poison) == sorted(refused)
    assert all(p.error.startswith("ValueError: step ") for p in poison)
    assert db.applied == [i for i in range(size) if i not in refused]
    assert result.counts["applied"] == size - len(refused)
    if len(refused) == 1:  # a bisection, not one transaction per message
        assert db.calls <= 2 * size.bit_length() + 1


def test_a_healthy_batch_is_one_transaction():
    db = FakeDatabase(set())
    result, poison = isolate([msg(i) for i in range(100)], db.attempt, lambda: True)
    assert (poison, db.calls, result.counts["applied"]) == ([], 1, 100)


@pytest.mark.parametrize(
    ("error", "answers"),
    [
        (OperationalError("connect", {}, Exception("connection refused")), True),
        (RuntimeError("could not connect to server"), False),
    ],
    ids=["operational-error", "database-does-not-answer"],
)
def test_a_database_that_takes_nothing_is_an_outage_and_no_message_is_at_fault(error, answers):
    db = FakeDatabase(set(), error)
    with pytest.raises(Outage):
        isolate([msg(i) for i in range(50)], db.attempt, lambda: answers)
    assert db.applied == []


def test_an_outage_in_the_middle_of_a_bisection_dead_letters_nothing_and_tells_what_was_applied():
    db = FakeDatabase({6})
    answers = iter([True, False])  # the database goes away while the batch is being split
    with pytest.raises(Outage) as caught:
        isolate([msg(i) for i in range(8)], db.attempt, lambda: next(answers))
    assert db.applied == [0, 1, 2, 3] and caught.value.applied.counts["applied"] == 4
