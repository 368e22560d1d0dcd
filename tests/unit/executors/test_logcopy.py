"""Copying a remote log into the job's log file: once, whoever copies, restarts included."""

from __future__ import annotations

import threading

from vlad.executors.logcopy import LogCopy

REMOTE = [b"line 1\n", b"line 2\nline", b" 3\n", b"line 4\n"]


def test_a_copy_after_a_restart_appends_only_what_the_file_lacks(tmp_path):
    log = tmp_path / "kernel.log"
    log.write_bytes(b"vlad: staged\n")  # the platform's note, before the kernel started
    base = log.stat().st_size
    first = LogCopy(log, base)
    for chunk in REMOTE[:2]:
        first.feed(chunk)  # then the platform dies
    again = LogCopy(log, base)  # a new platform copies the remote log from its start
    for chunk in REMOTE:
        again.feed(chunk)
    assert log.read_bytes() == b"vlad: staged\n" + b"".join(REMOTE)


def test_copies_running_at_once_write_each_byte_once(tmp_path):
    log = tmp_path / "kernel.log"
    remote = [f"line {i}\n".encode() for i in range(2000)]

    def copy() -> None:
        one = LogCopy(log, 0)
        for chunk in remote:
            one.feed(chunk)

    threads = [threading.Thread(target=copy) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.read_bytes() == b"".join(remote)
