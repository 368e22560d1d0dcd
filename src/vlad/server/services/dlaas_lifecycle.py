"""The DLaaS side of a running platform: data in before a job starts, results out after it ends,
old details forgotten.

- `stage_data` is the JobLauncher's stager for `source="dlaas"` jobs: every file of the
  manifest's data bucket goes into the job's `dataset_path` (DATA_DIR) before its kernel starts.
- A background thread uploads the model (`model_write_path`) and the log of each ended job,
  done, failed or stopped, to `<results bucket>/<model id>/` once its process is gone; purges
  the details of jobs older than the retention period; and removes the folders of deleted
  jobs once their process has ended. The upload state lives in `dlaas_runs`, so a platform
  restarted meanwhile uploads what is still pending. None of it runs inside a transaction.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from pathlib import Path

from sqlalchemy import select, update

from vlad.executors import Executor, JobState
from vlad.server.db import Database
from vlad.server.models import DlaasRun, Job, Model, utcnow
from vlad.server.services import dlaas
from vlad.server.services.states import TERMINAL
from vlad.server.settings import Settings
from vlad.storage import ObjectStore, S3Connection, S3Location, StorageError, TransferLog, log_writer
from vlad.storage.progress import size

log = logging.getLogger("vlad.dlaas")
LOG_NAME = "training-log.txt"  # the job's log, in the results folder
GONE = (JobState.EXITED, JobState.UNKNOWN)


class DlaasLifecycle:
    def __init__(
        self,
        db: Database,
        executors: dict[str, Executor],
        settings: Settings,
        uploads_dir: Path,
        interval: float = 0.5,
        purge_every: float = 60.0,
    ) -> None:
        self.db, self.executors, self.settings, self.uploads_dir = db, executors, settings, uploads_dir
        self.interval, self.purge_every = interval, purge_every
        self._forgotten: dict[str, tuple[str, Path]] = {}  # deleted jobs: (executor, folder)
        self._lock = threading.Lock()
        self._purging = threading.Lock()  # the list route purges too
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0

    def start(self) -> DlaasLifecycle:
        with self.db.session() as session:  # an upload cut short by a restart starts again
            session.execute(
                update(DlaasRun)
                .where(DlaasRun.results_status == "uploading")
                .values(results_status="pending")
            )
        self._thread = threading.Thread(target=self._run, name="vlad-dlaas", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - keep going; the next pass tries again
                log.exception("DLaaS pass failed")

    def tick(self) -> None:
        self.upload_ended()
        self._remove_forgotten()
        if time.monotonic() >= self._next_purge:
            self.purge()
            self._next_purge = time.monotonic() + self.purge_every

    def _secrets(self, job_id: str) -> Path:
        return dlaas.connections_file(self.settings.data_dir, job_id)

    # -- before the kernel starts -----------------------------------------------------------------
    def stage_data(self, job_id: str, job_dir: Path) -> None:
        """Every file of the data bucket into the job's dataset folder, progress in its log."""
        note = log_writer(job_dir / "kernel.log")
        try:
            connection, bucket = connection_of(self._secrets(job_id), "data")
            note(f"downloading the training data: every file of bucket {bucket} at {connection.endpoint_url}")
            store = ObjectStore(connection, self.settings.s3_workers)
            store.download(
                S3Location(bucket), job_dir / "dataset", TransferLog(note, "downloaded", f"bucket {bucket}")
            )
        except StorageError as exc:
            note(f"the training data could not be downloaded: {exc}")
            raise

    # -- after it ended -----------------------------------------------------------------------------
    def upload_ended(self) -> None:
        with self.db.session() as session:
            rows = session.execute(
                select(Job.id, Job.executor, Job.job_dir)
                .join(DlaasRun, DlaasRun.id == Job.id)
                .where(DlaasRun.results_status == "pending", Job.status.in_([s.value for s in TERMINAL]))
            ).all()
        for job_id, executor, job_dir in rows:
            # Until its process is gone, the log may still grow.
            if self.executors[executor].status(job_id).state in GONE:
                self.upload_results(job_id, Path(job_dir))

    def upload_results(self, job_id: str, job_dir: Path) -> None:
        with self.db.session() as session:
            claimed = session.execute(
                update(DlaasRun)
                .where(DlaasRun.id == job_id, DlaasRun.results_status == "pending")
                .values(results_status="uploading")
            ).rowcount
        if not claimed:
            return
        try:
            status, message = "uploaded", self._upload(job_id, job_dir)
            log.info("job %s: %s", job_id, message)
        except Exception as exc:  # noqa: BLE001 - recorded for the person; the platform goes on
            status, message = "failed", f"the results could not be uploaded: {exc}"
            log.warning("job %s: %s", job_id, message)
        with contextlib.suppress(OSError):
            log_writer(job_dir / "kernel.log")(message)
        self._secrets(job_id).unlink(missing_ok=True)  # no secret kept longer than needed
        with self.db.session() as session:
            session.execute(
                update(DlaasRun)
                .where(DlaasRun.id == job_id)
                .values(results_status=status, results_message=message, results_at=utcnow())
            )

    def _upload(self, job_id: str, job_dir: Path) -> str:
        connection, bucket = connection_of(self._secrets(job_id), "results")
        output = job_dir / "output"
        files = [
            (path, f"{job_id}/{path.relative_to(output).as_posix()}")
            for path in sorted(output.rglob("*"))
            if path.is_file() and not path.is_symlink()  # a link out would upload a host file
        ]
        if (job_dir / "kernel.log").is_file() and not (job_dir / "kernel.log").is_symlink():
            files.append((job_dir / "kernel.log", f"{job_id}/{LOG_NAME}"))
        count, total = ObjectStore(connection, self.settings.s3_workers).upload_files(files, bucket)
        where = f"s3://{bucket}/{job_id}/ at {connection.endpoint_url}"
        return f"results uploaded to {where}: {count} files, {size(total)}"

    # -- forgetting -------------------------------------------------------------------------------
    def forget(self, job_id: str, executor: str, job_dir: Path) -> None:
        """A deleted job's folders go once its process has ended (at once if it had)."""
        with self._lock:
            self._forgotten[job_id] = (executor, job_dir)
        self._remove_forgotten()

    def _remove_forgotten(self) -> None:
        with self._lock:
            pending = list(self._forgotten.items())
        for job_id, (executor_name, job_dir) in pending:
            executor = self.executors[executor_name]
            if executor.status(job_id).state not in GONE:
                continue
            executor.cleanup(job_id)
            dlaas.remove_files(job_dir, self.uploads_dir / job_id, self._secrets(job_id))
            with self._lock:
                self._forgotten.pop(job_id, None)

    def purge(self) -> list[str]:
        """Forget ended DLaaS jobs older than the retention period: rows, job folder, upload."""
        with self._purging, self.db.session() as session:
            doomed = dlaas.expired(session, self.settings.retention_days)
            for job_id, _ in doomed:
                job, model = session.get(Job, job_id), session.get(Model, job_id)
                if model is not None:
                    session.delete(model)
                if job is not None:
                    session.delete(job)
        for job_id, job_dir in doomed:
            dlaas.remove_files(Path(job_dir), self.uploads_dir / job_id, self._secrets(job_id))
        if doomed:
            log.info("forgot %d DLaaS job(s) older than %g days", len(doomed), self.settings.retention_days)
        return [job_id for job_id, _ in doomed]


def connection_of(path: Path, which: str) -> tuple[S3Connection, str]:
    """The manifest's connection (`data` or `results`) and bucket, kept in `path`
    (`dlaas.connections_file`), which no kernel sees."""
    try:
        entry = json.loads(path.read_text())[which]
    except (OSError, ValueError, KeyError) as exc:
        raise StorageError(f"the job's S3 settings ({path.name}) are gone or unreadable: {exc}") from exc
    bucket = entry.pop("bucket")
    return S3Connection.model_validate(entry), bucket
