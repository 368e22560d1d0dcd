"""Runs one kernel and records how it ended, whoever is (or is no longer) watching.

    python -m vlad.executors.local.supervise --exit-file <job_dir>/exit_code -- <argv...>

Starts the kernel as a child, forwards SIGTERM and SIGINT to it, waits, writes the
kernel's exit code to the exit file (negative: killed by that signal), and ends the same
way the kernel did. Standard library only: it must start fast and never fail to import.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from vlad.executors.common import CANNOT_EXECUTE, NOT_FOUND
from vlad.executors.local.state import write_atomic


def run(argv: list[str], exit_file: Path) -> int:
    child: subprocess.Popen[bytes] | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if child is None:
            pending.append(signum)  # arrived before the kernel started: deliver it after
        else:
            with suppress(ProcessLookupError):
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        child = subprocess.Popen(argv)
    except OSError as exc:
        print(f"vlad supervisor: cannot start the kernel {argv!r}: {exc}", file=sys.stderr)
        code = NOT_FOUND if isinstance(exc, FileNotFoundError) else CANNOT_EXECUTE
    else:
        for signum in pending:
            forward(signum, None)
        code = child.wait()
    write_atomic(exit_file, str(code))
    return code


def main() -> None:
    parser = argparse.ArgumentParser(prog="vlad-supervise")
    parser.add_argument("--exit-file", type=Path, required=True)
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        parser.error("no kernel command given after --")
    code = run(argv, args.exit_file)
    if code < 0:
        # The kernel died of a signal: die of the same one, so our parent sees it too.
        if -code in (signal.SIGTERM, signal.SIGINT):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
