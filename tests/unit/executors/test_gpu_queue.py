"""The GPU allocator of the local and container executors, and its FIFO queue."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from vlad.executors.gpus import GpuPool


@dataclass(frozen=True)
class QueueCase:
    id: str
    gpus: list[str]
    requests: list[tuple[str, int]]  # (job, GPUs needed), in submission order
    granted: dict[str, tuple[str, ...]]  # jobs handed GPUs at once; the others queue
    positions: dict[str, int]  # queue positions once all are submitted
    # Jobs ending one after the other, each with the jobs (and GPUs) that start then.
    ends: list[tuple[str, list[tuple[str, tuple[str, ...]]]]] = field(default_factory=list)


CASES = [
    QueueCase(
        "all fit at once",
        ["0", "1"],
        [("a", 1), ("b", 1)],
        granted={"a": ("0",), "b": ("1",)},
        positions={},
    ),
    QueueCase(
        "no GPU needed: never queues, even behind a waiting job",
        ["0"],
        [("a", 1), ("b", 1), ("c", 0)],
        granted={"a": ("0",), "c": ()},
        positions={"b": 1},
    ),
    QueueCase(
        "positions follow submission order",
        ["0", "1"],
        [("a", 2), ("b", 1), ("c", 1), ("d", 2)],
        granted={"a": ("0", "1")},
        positions={"b": 1, "c": 2, "d": 3},
        ends=[("a", [("b", ("0",)), ("c", ("1",))]), ("b", []), ("c", [("d", ("0", "1"))])],
    ),
    QueueCase(
        "a small job waits behind a big one at the head (strict FIFO)",
        ["0", "1"],
        [("a", 1), ("b", 2), ("c", 1)],
        granted={"a": ("0",)},
        positions={"b": 1, "c": 2},
        ends=[("a", [("b", ("0", "1"))]), ("b", [("c", ("0",))])],
    ),
    QueueCase(
        "freed GPUs go out lowest id first",
        ["0", "1", "2"],
        [("a", 1), ("b", 1), ("c", 1), ("d", 2)],
        granted={"a": ("0",), "b": ("1",), "c": ("2",)},
        positions={"d": 1},
        ends=[("c", []), ("a", [("d", ("0", "2"))])],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_queue(case: QueueCase) -> None:
    pool = GpuPool(case.gpus)
    granted = {job: pool.request(job, count) for job, count in case.requests}
    assert {job: gpus for job, gpus in granted.items() if gpus is not None} == case.granted
    positions = {job: pool.position(job) for job, _ in case.requests}
    assert {job: pos for job, pos in positions.items() if pos is not None} == case.positions
    for job, expected in case.ends:
        pool.release(job)
        started = pool.pop_ready()
        assert started == expected, f"after {job} ended"
        for started_job, gpus in started:
            assert pool.held(started_job) == gpus
            assert pool.position(started_job) is None


@pytest.mark.parametrize(
    ("gpus", "count", "message"),
    [
        (["0", "1"], 4, "job j needs 4 GPUs; this executor has 2: 0, 1. Ask for at most 2."),
        ([], 1, "job j needs 1 GPU; this executor has 0: none. Ask for at most 0."),
        (["0"], -1, "job j asks for -1 GPUs; the count must be 0 or more"),
    ],
)
def test_refuses_what_can_never_run(gpus: list[str], count: int, message: str) -> None:
    pool = GpuPool(gpus)
    with pytest.raises(ValueError) as error:
        pool.request("j", count)
    assert str(error.value) == message
    assert pool.position("j") is None


def test_withdrawing_the_head_lets_the_next_one_start() -> None:
    pool = GpuPool(["0", "1"])
    pool.request("a", 1)
    pool.request("b", 2)
    pool.request("c", 1)
    assert pool.withdraw("b") is True
    assert pool.withdraw("b") is False
    assert pool.position("c") == 1
    assert pool.pop_ready() == [("c", ("1",))]


def test_claimed_gpus_are_not_handed_out_again() -> None:
    pool = GpuPool(["0", "1"])
    # A job found running after a restart; "7" is no longer configured and is ignored.
    assert pool.claim("old", ("1", "7")) == ("1",)
    assert pool.request("new", 1) == ("0",)
    assert pool.request("next", 1) is None
    pool.release("old")
    assert pool.pop_ready() == [("next", ("1",))]


def test_release_is_idempotent_and_duplicate_ids_are_refused() -> None:
    pool = GpuPool(["0"])
    assert pool.request("a", 1) == ("0",)
    pool.release("a")
    pool.release("a")
    assert pool.request("b", 1) == ("0",)
    with pytest.raises(ValueError, match="unique"):
        GpuPool(["0", "0"])
