"""The two steps around a job's database rows that must not run inside a transaction.

Starting a job and stopping one both call out (a thread that stages data and submits to an
executor; an executor's cancel), and STYLE rule 8 keeps broker and network calls out of
database transactions. So these helpers end the caller's transaction first, and every
service that creates or deletes jobs goes through them.

Every other write a service makes is committed with the request's session, before the
answer is sent; only these two commit on their own, because what follows the commit must
see it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


class Launch(Protocol):
    """Start created jobs in the background (the platform's `launch`)."""

    def __call__(self, job_ids: list[str], extra_files: list[str] | None = None) -> None: ...


# Stop a waiting or running job in a session of its own; True when it was active (the
# platform's `stop_job`). A job that is gone or already ended is not an error.
StopJob = Callable[[str], bool]


@dataclass(frozen=True)
class NewJobs:
    """What a service that creates jobs needs of the platform: where the jobs' folders go,
    the executor they run on unless their kernel names one, where uploaded extra files are,
    and how to start them."""

    jobs_dir: Path
    executor: str
    uploads_dir: Path
    launch: Launch
    admin: bool = False  # the caller's token is an admin's (may raise priorities above 0)


def start_jobs(
    session: Session, launch: Launch, job_ids: list[str], extra_files: list[str] | None = None
) -> None:
    """Commit `session`, then hand `job_ids` (with the uploaded `extra_files` to copy into each
    job's etc/) to `launch`.

    The commit comes first: a kernel may report before `launch` returns, and its status must
    find the job's row. `launch` returns at once; a launch that fails marks its job failed,
    so the caller's answer (the created rows) does not wait for or depend on it. Nothing may
    be pending in `session` that should not be committed with the jobs.
    """
    session.commit()
    launch(job_ids, extra_files)


def stop_and_delete(session: Session, stop: StopJob, job_ids: Iterable[str], delete: Callable[[], T]) -> T:
    """Stop each of `job_ids` that is still active, then run `delete` and commit; `delete`'s
    answer is returned.

    `session`'s transaction ends before the first stop: `stop` writes the stop in a session
    of its own and calls the executor, and on SQLite a read transaction older than that
    write could not write afterwards. Every row `session` had loaded is expired after the
    stops, so `delete` reads them afresh (it should look its rows up again by id, so that one
    deleted meanwhile answers NotFound rather than an ORM error). Work to do once the rows
    are gone for good (files, a DLaaS run's buckets) belongs after this returns.
    """
    job_ids = list(job_ids)  # read before the commit; the caller may build it from rows
    session.commit()
    for job_id in job_ids:
        stop(job_id)
    session.expire_all()
    result = delete()
    session.commit()
    return result
