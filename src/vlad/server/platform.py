"""The running platform: database, executors, ingestion, monitor and events, wired together."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlparse

from sqlalchemy import select, update

from vlad.executors import Executor, executor_from_settings
from vlad.server.db import Database
from vlad.server.events import EventBus
from vlad.server.ingestion.batch import PREEMPTED_NOTE, BatchResult
from vlad.server.ingestion.consumer import StatusConsumer
from vlad.server.models import Job, utcnow
from vlad.server.monitor import JobMonitor
from vlad.server.scheduler import Scheduler
from vlad.server.searcher import Searcher
from vlad.server.services import final_metrics
from vlad.server.services.dlaas_lifecycle import DlaasLifecycle
from vlad.server.services.jobs import BrokerInfo, JobLauncher
from vlad.server.services.presenters import aware
from vlad.server.services.scheduling import Preemption
from vlad.server.services.states import ACTIVE, TERMINAL, JobStatus
from vlad.server.settings import Settings
from vlad.storage import ObjectStore

log = logging.getLogger("vlad.platform")


class _Executors(dict[str, Executor]):
    """Executors by name, created on first use (a kernel may name its own)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self._lock = threading.Lock()

    def __missing__(self, name: str) -> Executor:
        # Launch threads and the monitor ask at once: two executors of one name would each
        # know only the jobs handed to it.
        with self._lock:
            executor = dict.get(self, name)
            if executor is None:
                executor = self[name] = executor_from_settings(name, self.settings.model_dump())
            return executor


class Platform:
    def __init__(self, settings: Settings, broker_url: str) -> None:
        self.settings = settings
        self.broker_url = broker_url
        for folder in (
            settings.jobs_dir,
            settings.models_dir,
            settings.datasets_dir,
            self.uploads_dir,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.sqlalchemy_url)
        self.db.migrate()
        self.events = EventBus()
        self.executors = _Executors(settings)
        parsed = urlparse(broker_url)
        broker = BrokerInfo(
            host=settings.kernel_broker_host or parsed.hostname or "127.0.0.1",
            port=parsed.port or 5672,
            user=unquote(parsed.username or "guest"),
            password=unquote(parsed.password or "guest"),
            queue=settings.status_queue,
        )
        s3 = settings.s3_connection()
        store = ObjectStore(s3, settings.s3_workers) if s3 else None
        self.launcher = JobLauncher(self.db, self.executors, broker, self.uploads_dir, store)
        self.launcher.notify = self._changed
        self.launcher.requeue = self.launch
        self.scheduler = Scheduler(
            self.launcher,
            settings.scheduler_interval_seconds,
            on_change=self.notify,
            preempt=self.preempt if settings.preemption else None,
        )
        self.dlaas = DlaasLifecycle(self.db, self.executors, settings, self.uploads_dir)
        self.launcher.stagers["dlaas"] = self.dlaas.stage_data
        self.consumer = StatusConsumer(
            self.db, broker_url, settings.status_queue, on_applied=self._on_applied
        )
        self.searcher = Searcher(
            self.db,
            settings.search_storage,
            settings.jobs_dir,
            settings.executor,
            self.uploads_dir,
            launch=self.launch,
            prune=self.prune_job,
        )
        self.monitor = JobMonitor(self.launcher, settings.exit_grace_seconds, stream=self.consumer)
        self.monitor.on_released = lambda job_id: final_metrics.record(self.db, [job_id])
        # Preparing jobs (staging datasets, which may download them) before they queue.
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vlad-prepare")

    @property
    def uploads_dir(self):  # type: ignore[no-untyped-def]
        return self.settings.data_dir / "uploads"

    def start(self, wait_for_broker: float = 30.0) -> Platform:
        self.recover()
        self.consumer.start()
        if not self.consumer.connected.wait(wait_for_broker):
            log.warning("the broker did not answer within %.0fs; still trying", wait_for_broker)
        self.monitor.start()
        self.scheduler.start()
        self.scheduler.wake()
        self.searcher.start()
        self.dlaas.start()
        return self

    def stop(self) -> None:
        self.dlaas.stop()
        self.searcher.stop()
        self.scheduler.stop()
        self.monitor.stop()
        self.consumer.stop()
        self._pool.shutdown(wait=True)
        for executor in self.executors.values():
            executor.close()
        self.db.dispose()

    def recover(self) -> None:
        """Take back the jobs that were active when the platform last stopped: those handed
        to an executor from it; those not yet prepared are prepared again. The others are
        still in the queue (the scheduler's next pass sees them)."""
        with self.db.session() as session:
            jobs = session.execute(
                select(Job.id, Job.executor, Job.prepared_at, Job.placed_at).where(
                    Job.status.in_([s.value for s in ACTIVE])
                )
            ).all()
        by_executor: dict[str, list[str]] = {}
        for job_id, executor, _prepared, placed in jobs:
            if placed is not None:
                by_executor.setdefault(executor, []).append(job_id)
        for name, job_ids in by_executor.items():
            specs = [self.launcher.spec(job_id) for job_id in job_ids]
            try:
                statuses = self.executors[name].recover(specs)
            except Exception:  # noqa: BLE001 - the platform starts; the monitor retries the executor
                log.exception("could not recover %d job(s) on executor %s", len(job_ids), name)
                continue
            log.info(
                "recovered %d job(s) on executor %s: %s",
                len(statuses),
                name,
                {k: v.state.value for k, v in statuses.items()},
            )
        unprepared = [
            job_id for job_id, _executor, prepared, placed in jobs if prepared is None and placed is None
        ]
        for job_id in unprepared:
            self._pool.submit(self._prepare, job_id)

    def launch(self, job_ids: list[str], extra_files: list[str] | None = None) -> None:
        """Queue created jobs: each is prepared in the background (staging may take a while),
        then waits for the scheduler. `extra_files` are kept with the jobs until then."""
        if extra_files:
            with self.db.session() as session:
                session.execute(update(Job).where(Job.id.in_(job_ids)).values(extra_files=list(extra_files)))
        for job_id in job_ids:
            self._pool.submit(self._prepare, job_id)

    def _prepare(self, job_id: str) -> None:
        if self.launcher.prepare_job(job_id):
            self.scheduler.wake()

    def prune_job(self, job_id: str, message: str) -> bool:
        """A search's run stopped early (services.search): as a stop, but `pruned`."""
        return self.stop_job(job_id, JobStatus.PRUNED, message)

    def stop_job(
        self, job_id: str, status: JobStatus = JobStatus.STOPPED, message: str = "Stopped by the user."
    ) -> bool:
        """Stop a waiting or running job: `stopped` at once; one handed to its executor gets
        SIGTERM, then SIGKILL (one still in the queue only leaves it; `JobLauncher.submit`
        cancels one stopped while it was being handed over)."""
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is None or job.status not in ACTIVE:
                return False
            job.status, job.message = status.value, message
            job.finished_at = job.updated_at = utcnow()
            job.queue_position = job.wait_reason = None
            placed, executor_name = job.placed_at is not None, job.executor
        if placed:
            self.executors[executor_name].cancel(job_id, self.settings.stop_grace_seconds)
            self.monitor.release_when_exited([job_id])
        self._changed([job_id])
        return True

    def preempt(self, chosen: Preemption) -> None:
        """Stop running jobs (SIGTERM, the grace period, SIGKILL) to make room for a waiting
        one of higher priority; once ended, each goes back to the queue as its next attempt
        and resumes from its newest checkpoint (services.restarts)."""
        note = (
            f"{PREEMPTED_NOTE} by job {chosen.for_job} (priority {chosen.priority}): it stops "
            "with its grace period and resumes from its newest checkpoint once there is room."
        )
        for job_id in chosen.victims:
            with self.db.session() as session:
                job = session.get(Job, job_id)
                if job is None or job.status not in ACTIVE or job.placed_at is None:
                    continue
                job.message, job.updated_at, executor_name = note, utcnow(), job.executor
            self.executors[executor_name].cancel(job_id, self.settings.stop_grace_seconds)
        self.notify(chosen.victims)

    def _on_applied(self, result: BatchResult) -> None:
        ended = [job_id for job_id, state in result.changed.items() if state.status in TERMINAL]
        if ended:
            self.monitor.release_when_exited(ended)
            self._ended(ended)
        self.notify(list(result.changed))

    def _changed(self, job_ids: list[str]) -> None:
        """Jobs changed outside the status stream (failed, stopped): their end frees room."""
        self._ended(job_ids)
        self.notify(job_ids)

    def _ended(self, job_ids: list[str]) -> None:
        """Jobs that may have ended: the scheduler and the searcher look again, their final
        metrics are kept."""
        self.scheduler.wake()
        self.searcher.wake()
        final_metrics.record(self.db, job_ids)

    def notify(self, job_ids: list[str]) -> None:
        with self.db.session() as session:
            rows = session.execute(select(Job).where(Job.id.in_(job_ids))).scalars().all()
            events = [(job.project_id, job_event(job)) for job in rows]
        for project_id, event in events:
            self.events.publish(project_id, event)


def job_event(job: Job) -> dict:  # type: ignore[type-arg]
    return {
        "type": "job",
        "id": job.id,
        "operation": job.operation,
        "status": job.status,
        "percentage": job.percentage,
        "step": job.step,
        "message": job.message,
        "exit_code": job.exit_code,
        "priority": job.priority,
        "attempt": job.attempt,
        "queue_position": job.queue_position if job.placed_at is None else None,
        "wait_reason": job.wait_reason if job.placed_at is None else None,
        "placed_at": aware(job.placed_at).isoformat() if job.placed_at else None,
        "started_at": aware(job.started_at).isoformat() if job.started_at else None,
        "finished_at": aware(job.finished_at).isoformat() if job.finished_at else None,
    }
