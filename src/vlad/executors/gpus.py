"""GPU allocation with a first-in, first-out queue of the jobs that wait for GPUs.

Shared by the executors that hand out a machine's GPU ids themselves (local, docker).
The platform's scheduler decides which job starts, counting GPUs from its database, and
hands over only jobs that fit; this queue covers the moment it cannot see: a job whose
final status has arrived before its process exited still holds its GPU ids, and the next
job waits here for them.
"""

from __future__ import annotations

from collections import deque


class GpuPool:
    """Hands out this machine's GPU ids to jobs. Not thread-safe: its owner holds a lock.

    The queue is strict FIFO: a job at the head that does not fit yet blocks the ones
    behind it, even small ones that would fit, so a 4-GPU job is not starved by a
    stream of 1-GPU jobs. Jobs needing no GPU never queue.
    """

    def __init__(self, gpu_ids: list[str]) -> None:
        if len(set(gpu_ids)) != len(gpu_ids):
            raise ValueError(f"GPU ids must be unique; got {gpu_ids}")
        self.gpu_ids = list(gpu_ids)
        self._free = list(gpu_ids)
        self._held: dict[str, tuple[str, ...]] = {}
        self._queue: deque[tuple[str, int]] = deque()

    def check(self, job_id: str, count: int) -> None:
        """Raise ValueError when `count` GPUs can never be had here."""
        if count < 0:
            raise ValueError(f"job {job_id} asks for {count} GPUs; the count must be 0 or more")
        if count > len(self.gpu_ids):
            have, total = ", ".join(self.gpu_ids) or "none", len(self.gpu_ids)
            raise ValueError(
                f"job {job_id} needs {count} GPU{'s' * (count != 1)}; this executor "
                f"has {total}: {have}. Ask for at most {total}."
            )

    def request(self, job_id: str, count: int) -> tuple[str, ...] | None:
        """The GPUs handed to the job now, or None when it joins the queue."""
        self.check(job_id, count)
        if count == 0:
            return ()
        if not self._queue and count <= len(self._free):
            return self._take(job_id, count)
        self._queue.append((job_id, count))
        return None

    def claim(self, job_id: str, gpus: tuple[str, ...]) -> tuple[str, ...]:
        """Mark GPUs as held by a job found running (after a restart); returns those known here."""
        known = tuple(g for g in gpus if g in self._free)
        self._free = [g for g in self._free if g not in known]
        self._held[job_id] = known
        return known

    def release(self, job_id: str) -> None:
        held = self._held.pop(job_id, ())
        self._free.extend(held)
        self._free.sort(key=self.gpu_ids.index)  # hand out low ids first, predictably

    def withdraw(self, job_id: str) -> bool:
        """Take a job out of the queue; False when it was not queued."""
        for entry in self._queue:
            if entry[0] == job_id:
                self._queue.remove(entry)
                return True
        return False

    def pop_ready(self) -> list[tuple[str, tuple[str, ...]]]:
        """Start from the head of the queue every job that fits now: (job id, its GPUs)."""
        started = []
        while self._queue and self._queue[0][1] <= len(self._free):
            job_id, count = self._queue.popleft()
            started.append((job_id, self._take(job_id, count)))
        return started

    def position(self, job_id: str) -> int | None:
        """1 for the head of the queue; None when not queued."""
        for index, (queued_id, _count) in enumerate(self._queue, start=1):
            if queued_id == job_id:
                return index
        return None

    def held(self, job_id: str) -> tuple[str, ...]:
        return self._held.get(job_id, ())

    def _take(self, job_id: str, count: int) -> tuple[str, ...]:
        gpus, self._free = tuple(self._free[:count]), self._free[count:]
        self._held[job_id] = gpus
        return gpus
