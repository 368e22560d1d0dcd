"""One job of the local executor, as this platform process knows it."""

from __future__ import annotations

from dataclasses import dataclass
from subprocess import Popen

from vlad.executors.base import JobSpec
from vlad.executors.common import VANISHED
from vlad.executors.local.state import ProcessRecord, is_alive, read_exit_code, read_record
from vlad.executors.tracking import PooledJob


@dataclass
class LocalJob(PooledJob):
    process: Popen[bytes] | None = None  # only when this platform process started it
    record: ProcessRecord | None = None  # None until it starts

    @classmethod
    def found(cls, spec: JobSpec) -> LocalJob | None:
        """The job as its folder shows it (after a restart); None when it never started."""
        record = read_record(spec.job_dir)
        if record is None:
            return None
        job = cls(spec, record=record, gpus=record.gpus)
        # Alive first, then the exit file: a supervisor writes its file before it ends.
        if not is_alive(record):
            code = read_exit_code(spec.job_dir)
            job.exit_code = VANISHED if code is None else code
        return job

    def poll(self) -> int | None:
        """The exit code once the started job's process has ended; None while it runs."""
        assert self.record is not None
        if self.process is not None:
            code = self.process.poll()
            if code is None:
                return None
        elif is_alive(self.record):
            return None
        else:
            code = VANISHED  # not our child: only the exit file can tell
        recorded = read_exit_code(self.spec.job_dir)
        return code if recorded is None else recorded
