"""The running platform: database, executors, ingestion, monitor and events, wired together."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlparse

from sqlalchemy import select

from vlad.executors import Executor, executor_from_settings
from vlad.server.db import Database
from vlad.server.events import EventBus
from vlad.server.ingestion.batch import BatchResult
from vlad.server.ingestion.consumer import StatusConsumer
from vlad.server.models import Job, utcnow
from vlad.server.monitor import JobMonitor
from vlad.server.services.dlaas_lifecycle import DlaasLifecycle
from vlad.server.services.jobs import BrokerInfo, JobLauncher
from vlad.server.services.presenters import aware
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
        self.launcher.notify = self.notify
        self.dlaas = DlaasLifecycle(self.db, self.executors, settings, self.uploads_dir)
        self.launcher.stagers["dlaas"] = self.dlaas.stage_data
        self.consumer = StatusConsumer(
            self.db, broker_url, settings.status_queue, on_applied=self._on_applied
        )
        self.monitor = JobMonitor(self.launcher, settings.exit_grace_seconds, stream=self.consumer)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vlad-launch")

    @property
    def uploads_dir(self):  # type: ignore[no-untyped-def]
        return self.settings.data_dir / "uploads"

    def start(self, wait_for_broker: float = 30.0) -> Platform:
        self.recover()
        self.consumer.start()
        if not self.consumer.connected.wait(wait_for_broker):
            log.warning("the broker did not answer within %.0fs; still trying", wait_for_broker)
        self.monitor.start()
        self.dlaas.start()
        return self

    def stop(self) -> None:
        self.dlaas.stop()
        self.monitor.stop()
        self.consumer.stop()
        self._pool.shutdown(wait=True)
        for executor in self.executors.values():
            executor.close()
        self.db.dispose()

    def recover(self) -> None:
        """Take back the jobs that were active when the platform last stopped."""
        with self.db.session() as session:
            jobs = session.execute(
                select(Job.id, Job.executor).where(Job.status.in_([s.value for s in ACTIVE]))
            ).all()
        by_executor: dict[str, list[str]] = {}
        for job_id, executor in jobs:
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

    def launch(self, job_ids: list[str], extra_files: list[str] | None = None) -> None:
        """Start created jobs in the background (staging may take a while)."""
        for job_id in job_ids:
            self._pool.submit(self.launcher.launch, job_id, extra_files)

    def stop_job(self, job_id: str) -> bool:
        """Stop a waiting or running job: `stopped` at once, SIGTERM then SIGKILL to its process."""
        with self.db.session() as session:
            job = session.get(Job, job_id)
            if job is None or job.status not in ACTIVE:
                return False
            job.status, job.message = JobStatus.STOPPED.value, "Stopped by the user."
            job.finished_at = job.updated_at = utcnow()
            executor = self.executors[job.executor]
        executor.cancel(job_id, self.settings.stop_grace_seconds)
        self.monitor.release_when_exited([job_id])
        self.notify([job_id])
        return True

    def _on_applied(self, result: BatchResult) -> None:
        ended = [job_id for job_id, state in result.changed.items() if state.status in TERMINAL]
        if ended:
            self.monitor.release_when_exited(ended)
        self.notify(list(result.changed))

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
        "started_at": aware(job.started_at).isoformat() if job.started_at else None,
        "finished_at": aware(job.finished_at).isoformat() if job.finished_at else None,
    }
