"""Runs one kernel and records how it ended, whoever is (or is no longer) watching.

    python -m vlad.executors.local.supervise --exit-file <job_dir>/exit_code -- <argv...>

Starts the kernel as a child, forwards SIGTERM and SIGINT to it, waits, writes the
kernel's exit code to the exit file (negative: killed by that signal), and ends the same
way the kernel did.

It starts once per job, between one run's end and the next one's start in the same slot,
so it imports only `os`, `signal`, `sys` and `contextlib` (no `subprocess`, `argparse`, `pathlib`, nor
the rest of `vlad`): about 20 ms rather than 100 ms. The kernel is started with fork and
exec, as `subprocess` would: SIGPIPE and SIGXFSZ back to their defaults (Python ignores
them), file descriptors beyond 0-2 closed on exec (Python opens its own non-inheritable).
"""

import contextlib  # imported by runpy already
import os
import signal
import sys

# As vlad.executors.common (not imported here, to start fast): exec found nothing to run, or
# found the program but could not run it.
NOT_FOUND = 127
CANNOT_EXECUTE = 126
USAGE = "usage: python -m vlad.executors.local.supervise --exit-file FILE -- ARGV..."


def run(argv: list[str], exit_file: str) -> int:
    child = 0
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if not child:
            pending.append(signum)  # arrived before the kernel started: deliver it after
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    pid = os.fork()
    if pid == 0:  # the kernel
        try:
            for restored in (signal.SIGTERM, signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ):
                signal.signal(restored, signal.SIG_DFL)
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"vlad supervisor: cannot start the kernel {argv!r}: {exc}\n".encode())
            os._exit(NOT_FOUND if isinstance(exc, FileNotFoundError) else CANNOT_EXECUTE)
        finally:
            os._exit(CANNOT_EXECUTE)  # never reached after a successful exec
    child = pid
    for signum in pending:
        forward(signum, None)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    write_atomic(exit_file, str(code))
    return code


def write_atomic(path: str, text: str) -> None:
    """A reader (or a platform killed halfway) never sees half a file."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def parse(args: list[str]) -> tuple[str, list[str]]:
    """(exit file, kernel argv) from `--exit-file FILE [--] ARGV...`; SystemExit(2) otherwise."""
    exit_file = None
    if len(args) >= 2 and args[0] == "--exit-file":
        exit_file, args = args[1], args[2:]
    elif args and args[0].startswith("--exit-file="):
        exit_file, args = args[0].split("=", 1)[1], args[1:]
    argv = args[1:] if args[:1] == ["--"] else args
    if not exit_file or not argv:
        missing = "no kernel command given after --" if exit_file else "no --exit-file"
        print(f"{USAGE}\nvlad-supervise: {missing}", file=sys.stderr)
        raise SystemExit(2)
    return exit_file, argv


def main() -> None:
    exit_file, argv = parse(sys.argv[1:])
    code = run(argv, exit_file)
    if code < 0:
        # The kernel died of a signal: die of the same one, so our parent sees it too.
        if -code in (signal.SIGTERM, signal.SIGINT):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
