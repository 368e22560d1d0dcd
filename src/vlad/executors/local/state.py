"""What a job leaves in its folder, so that a restarted platform can find it again."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

RECORD_FILE = "executor.json"
EXIT_FILE = "exit_code"


@dataclass(frozen=True)
class ProcessRecord:
    """The supervisor of a started job: its pid, the start time of that process (so that a
    reused pid is not taken for it), and the GPUs handed to the job."""

    pid: int
    started: int | None
    gpus: tuple[str, ...] = ()


def write_atomic(path: Path, text: str) -> None:
    # A reader (or a platform killed halfway) never sees half a file.
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_record(job_dir: Path, record: ProcessRecord) -> None:
    data = {"pid": record.pid, "started": record.started, "gpus": list(record.gpus)}
    write_atomic(job_dir / RECORD_FILE, json.dumps(data))


def read_record(job_dir: Path) -> ProcessRecord | None:
    try:
        data = json.loads((job_dir / RECORD_FILE).read_text())
        return ProcessRecord(int(data["pid"]), data.get("started"), tuple(data.get("gpus", ())))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_exit_code(job_dir: Path) -> int | None:
    try:
        return int((job_dir / EXIT_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    return text[text.rindex(")") + 2 :].split()


def process_start_time(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat (clock ticks after boot); None without /proc."""
    fields = _proc_stat(pid)
    return int(fields[19]) if fields else None


def is_alive(record: ProcessRecord) -> bool:
    """Whether the recorded supervisor still runs (and is the same process, not a reused pid)."""
    fields = _proc_stat(record.pid)
    if fields is None and Path("/proc/self/stat").exists():
        return False
    if fields is None:  # no /proc (not Linux): the pid alone has to do
        try:
            os.kill(record.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    # A zombie has ended; it only waits for its parent (perhaps a dead platform) to reap it.
    if fields[0] in ("Z", "X"):
        return False
    return record.started is None or int(fields[19]) == record.started
