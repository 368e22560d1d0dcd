"""The scheduler's rule: which waiting jobs start now, and why each other one waits.

A pure function over plain values (`plan`), so that the rule can be read and tested on its
own; `server.scheduler` reads the queue from the database, asks it, and writes the answer.

The rule, in order (the README says it in the same words):

1. **Priority.** A job of higher priority goes before any job of lower priority.
2. **Fair share.** Among jobs of equal priority, the project using the least of its share
   goes first. A project's use is the sum, over its running jobs, of each job's dominant
   share (the largest fraction it holds of its executor's CPUs, memory, GPUs or job slots,
   as in Dominant Resource Fairness), divided by the project's `share` (default 1). Use is
   counted again after every job placed, so two busy projects alternate.
3. **Submission order** within a project and priority (oldest first).

A job is placed when its project's quotas (GPUs, running jobs) and its experiment's
`max_parallel` allow, and its executor has the CPUs, memory, GPUs and job slot free.

**No starvation (reservation).** A job that does not fit holds what it needs: every job
after it in the order may use only what is left once that is set aside. Jobs after it
still start on resources it does not need (CPU jobs beside a job waiting for GPUs), but
never on those it waits for, so a large job is not passed over forever by small ones.
Quotas and `max_parallel` reserve nothing: a job held by its own project's or
experiment's limit does not hold back others.

A job may ask more CPUs or memory than its executor has at all: it is counted as asking
all of them (it runs alone rather than never). More GPUs than an executor has is refused
when it is handed over (the executor says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vlad.executors import Capacity
from vlad.server.services.access import Forbidden

PREPARING = "preparing: staging its datasets and writing its settings"
PRIORITY_RANGE = (-100, 100)


def check_priority(priority: int, admin: bool) -> None:
    """Forbidden when a member asks for a priority above 0."""
    if priority > 0 and not admin:
        raise Forbidden(
            f"priority {priority} is above 0, which only an admin token may set (it goes before "
            "other projects' work); a member may set 0 or lower (-100..0) to let other work go first"
        )


@dataclass(frozen=True)
class QueueJob:
    """A job as the scheduler sees it: waiting (not placed) or holding resources (placed)."""

    id: str
    project_id: str
    executor: str
    gpus: int = 0
    cpus: float = 1.0
    memory_gb: float | None = None
    priority: int = 0
    created_at: datetime | None = None
    experiment_id: str | None = None
    prepared: bool = True  # ready to be placed (its files are written)


def queue_job(row: Any) -> QueueJob:
    """The scheduler's view of a `jobs` row (an ORM row, or a selected row of its columns)."""
    return QueueJob(
        id=row.id,
        project_id=row.project_id,
        executor=row.executor,
        gpus=row.gpu_count,
        cpus=row.cpus,
        memory_gb=row.memory_gb,
        priority=row.priority,
        created_at=row.created_at,
        experiment_id=row.experiment_id,
        prepared=row.prepared_at is not None,
    )


@dataclass(frozen=True)
class ProjectRules:
    share: float = 1.0
    quota_gpus: int | None = None
    quota_running: int | None = None


@dataclass(frozen=True)
class Waiting:
    position: int | None  # 1 = next; None while it is being prepared
    reason: str


@dataclass
class Plan:
    placed: list[str] = field(default_factory=list)  # in the order they go
    waiting: dict[str, Waiting] = field(default_factory=dict)


@dataclass
class _Free:
    """What an executor has left, and what jobs ahead hold in reservation."""

    capacity: Capacity
    cpus: float | None
    memory_gb: float | None
    gpus: int | None
    jobs: int | None
    reserved_cpus: float = 0.0
    reserved_memory_gb: float = 0.0
    reserved_gpus: int = 0
    reserved_jobs: int = 0
    reserved_for: str | None = None  # the first job holding a reservation

    @classmethod
    def of(cls, capacity: Capacity) -> _Free:
        return cls(capacity, capacity.cpus, capacity.memory_gb, capacity.gpus, capacity.jobs)


def need_of(job: QueueJob, capacity: Capacity) -> tuple[float, float, int]:
    """(cpus, memory_gb, gpus) counted for `job` on an executor of `capacity`: CPUs and memory
    beyond all the executor has count as all of it."""
    cpus = min(job.cpus, capacity.cpus) if capacity.cpus is not None else job.cpus
    memory = job.memory_gb or 0.0
    if capacity.memory_gb is not None:
        memory = min(memory, capacity.memory_gb)
    return cpus, memory, job.gpus


def dominant_share(job: QueueJob, capacity: Capacity) -> float:
    """The largest fraction of one of its executor's resources the job holds (1 job slot of
    an executor that counts nothing)."""
    cpus, memory, gpus = need_of(job, capacity)
    shares = [
        used / total
        for used, total in (
            (cpus, capacity.cpus),
            (memory, capacity.memory_gb),
            (gpus, capacity.gpus),
            (1, capacity.jobs),
        )
        if total
    ]
    return max(shares, default=1.0)


def plan(
    waiting: Sequence[QueueJob],
    placed: Sequence[QueueJob],
    capacities: Mapping[str, Capacity | str],
    projects: Mapping[str, ProjectRules] | None = None,
    max_parallel: Mapping[str, int] | None = None,
) -> Plan:
    """Which of `waiting` start now (given `placed`, the jobs holding resources), and why
    each other one waits. `capacities` by executor name: its Capacity, or a sentence saying
    why it cannot be used now (every job for it then waits with that sentence)."""
    projects = projects or {}
    max_parallel = max_parallel or {}
    rules = {p: projects.get(p, ProjectRules()) for p in {j.project_id for j in (*waiting, *placed)}}
    free = {name: _Free.of(c) for name, c in capacities.items() if isinstance(c, Capacity)}
    usage = dict.fromkeys(rules, 0.0)
    running = dict.fromkeys(rules, 0)
    gpus_used = dict.fromkeys(rules, 0)
    experiment_running: dict[str, int] = {}

    def hold(job: QueueJob) -> None:
        running[job.project_id] += 1
        gpus_used[job.project_id] += job.gpus
        if job.experiment_id:
            experiment_running[job.experiment_id] = experiment_running.get(job.experiment_id, 0) + 1
        room = free.get(job.executor)
        if room is None:
            return
        usage[job.project_id] += dominant_share(job, room.capacity) / max(rules[job.project_id].share, 1e-9)
        cpus, memory, gpus = need_of(job, room.capacity)
        if room.cpus is not None:
            room.cpus -= cpus
        if room.memory_gb is not None:
            room.memory_gb -= memory
        if room.gpus is not None:
            room.gpus -= gpus
        if room.jobs is not None:
            room.jobs -= 1

    for job in placed:
        hold(job)

    result = Plan()
    for job in waiting:
        if not job.prepared:
            result.waiting[job.id] = Waiting(None, PREPARING)
    order = FairOrder([j for j in waiting if j.prepared], usage)
    ahead: dict[str, int] = {}  # jobs left waiting so far, by executor
    position = 0
    for job in order:
        reason = _blocked_by_limits(
            job, rules[job.project_id], running, gpus_used, experiment_running, max_parallel
        )
        if reason is None:
            room = capacities.get(job.executor, "it is not configured")
            if isinstance(room, str):
                reason = f"executor {job.executor} is unavailable: {room}"
            else:
                reason = _blocked_by_room(job, free[job.executor], ahead.get(job.executor, 0))
        if reason is None:
            hold(job)
            result.placed.append(job.id)
        else:
            ahead[job.executor] = ahead.get(job.executor, 0) + 1
            position += 1
            result.waiting[job.id] = Waiting(position, reason)
    return result


class FairOrder:
    """The prepared waiting jobs in the scheduler's order, computed as it goes: a project's
    use (`usage`, which the caller grows as it places jobs) decides which project's head
    goes next among jobs of equal priority."""

    def __init__(self, jobs: list[QueueJob], usage: Mapping[str, float]) -> None:
        self.queues: dict[str, list[QueueJob]] = {}
        for job in sorted(jobs, key=lambda j: (-j.priority, _when(j), j.id)):
            self.queues.setdefault(job.project_id, []).append(job)
        self.usage = usage

    def __iter__(self) -> FairOrder:
        return self

    def __next__(self) -> QueueJob:
        heads = [queue[0] for queue in self.queues.values() if queue]
        if not heads:
            raise StopIteration
        job = min(heads, key=lambda j: (-j.priority, self.usage.get(j.project_id, 0.0), _when(j), j.id))
        self.queues[job.project_id].pop(0)
        return job


def _when(job: QueueJob) -> datetime:
    return job.created_at or datetime.min


def _blocked_by_limits(
    job: QueueJob,
    rules: ProjectRules,
    running: Mapping[str, int],
    gpus_used: Mapping[str, int],
    experiment_running: Mapping[str, int],
    max_parallel: Mapping[str, int],
) -> str | None:
    if job.experiment_id and job.experiment_id in max_parallel:
        cap = max_parallel[job.experiment_id]
        if experiment_running.get(job.experiment_id, 0) >= cap:
            return f"experiment max_parallel {cap} reached"
    if rules.quota_running is not None and running[job.project_id] >= rules.quota_running:
        return f"project quota of {_count(rules.quota_running, 'running job')} reached"
    if rules.quota_gpus is not None and job.gpus and gpus_used[job.project_id] + job.gpus > rules.quota_gpus:
        used = gpus_used[job.project_id]
        return f"project quota of {_count(rules.quota_gpus, 'GPU')} reached ({used} in use, needs {job.gpus})"
    return None


def _blocked_by_room(job: QueueJob, room: _Free, ahead: int) -> str | None:
    """None when the job fits in what its executor has free beyond the reservations of the
    jobs ahead; else why not (and then it reserves what it needs)."""
    cpus, memory, gpus = need_of(job, room.capacity)
    short: list[str] = []  # what it lacks, counting reservations
    for needed, left, reserved, noun in (
        (gpus, room.gpus, room.reserved_gpus, "GPU"),
        (cpus, room.cpus, room.reserved_cpus, "CPU"),
        (memory, room.memory_gb, room.reserved_memory_gb, "GB of memory"),
        (1, room.jobs, room.reserved_jobs, "job slot"),
    ):
        if not needed or left is None:
            continue
        if needed > left + 1e-9:
            short.append(f"needs {_count(needed, noun)}, {_number(max(left, 0))} free")
        elif needed > left - reserved + 1e-9:
            short.append(
                f"needs {_count(needed, noun)}, {_number(max(left, 0))} free "
                f"but held for job {room.reserved_for} ahead"
            )
    if not short:
        return None
    room.reserved_gpus += gpus
    room.reserved_cpus += cpus
    room.reserved_memory_gb += memory
    room.reserved_jobs += 1
    if room.reserved_for is None:
        room.reserved_for = job.id
    where = f" on {room.capacity.where}" if room.capacity.where else ""
    return f"{'; '.join(short)}{where}; {_count(ahead, 'job')} ahead"


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}".rstrip("0")


def _count(value: float, noun: str) -> str:
    if noun.startswith("GB"):
        return f"{_number(value)} {noun}"
    return f"{_number(value)} {noun}{'s' * (value != 1)}"


# -- preemption (off by default: VLAD_PREEMPTION) -----------------------------------------------------
@dataclass(frozen=True)
class Preemption:
    """Stop `victims` (running, lower priority, each with a checkpoint) so that `for_job` fits."""

    for_job: str
    priority: int
    victims: list[str]


def preemption(
    result: Plan,
    waiting: Sequence[QueueJob],
    placed: Sequence[QueueJob],
    capacities: Mapping[str, Capacity | str],
    checkpointed: set[str],
) -> Preemption | None:
    """Whether the first waiting job, in priority order, that waits only for room may take
    the room of running jobs of lower priority that have a checkpoint (they are stopped with
    their grace period and resume later, services.restarts). The fewest, lowest-priority,
    most recently submitted are chosen; None when no such set makes it fit. Jobs that wait
    for a quota or max_parallel, or only for preparation, preempt nothing."""
    candidates = [j for j in waiting if j.prepared and j.id not in result.placed and j.id in result.waiting]
    if not candidates:
        return None
    job = min(candidates, key=lambda j: (-j.priority, _when(j), j.id))
    capacity = capacities.get(job.executor)
    if not isinstance(capacity, Capacity) or not result.waiting[job.id].reason.startswith("needs "):
        return None
    holding = [*placed, *(j for j in waiting if j.id in result.placed)]
    room = _Free.of(capacity)
    for held in holding:
        if held.executor == job.executor:
            _take(room, held)
    victims: list[str] = []
    lower = [
        j for j in placed if j.executor == job.executor and j.priority < job.priority and j.id in checkpointed
    ]
    lower.sort(key=lambda j: (_when(j), j.id), reverse=True)  # the newest first...
    lower.sort(key=lambda j: j.priority)  # ...of the lowest priority first (a stable sort)
    for victim in [None, *lower]:
        if victim is not None:
            victims.append(victim.id)
            _take(room, victim, sign=-1)
        if victims and _fits(job, room):
            return Preemption(job.id, job.priority, victims)
    return None


def _take(room: _Free, job: QueueJob, sign: int = 1) -> None:
    cpus, memory, gpus = need_of(job, room.capacity)
    if room.cpus is not None:
        room.cpus -= sign * cpus
    if room.memory_gb is not None:
        room.memory_gb -= sign * memory
    if room.gpus is not None:
        room.gpus -= sign * gpus
    if room.jobs is not None:
        room.jobs -= sign


def _fits(job: QueueJob, room: _Free) -> bool:
    cpus, memory, gpus = need_of(job, room.capacity)
    return all(
        left is None or needed <= left + 1e-9
        for needed, left in ((cpus, room.cpus), (memory, room.memory_gb), (gpus, room.gpus), (1, room.jobs))
    )
