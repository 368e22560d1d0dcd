"""A private Podman service with the Docker Engine API, for tests and a developer's machine.

    with PodmanService(tmp / "podman") as podman:
        podman.import_image("localhost/vlad-host-python", path_env="/venv/bin:/usr/bin:/bin")
        DockerExecutor(base_url=podman.url, ...)

Its storage (vfs: no overlay mounts to leak), run state, events log and `containers.conf`
live in its folder; stopping it removes its containers, ends the service and deletes the folder.
The settings are the ones that work on a VM without systemd whose root cannot raise
rlimits: runc (crun cannot), cgroupfs, a file events log, low default ulimits.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
# An empty image whose PATH leads to the host's Python (mounted by `host_python_mounts`).
HOST_PYTHON_IMAGE = "localhost/vlad-host-python"
# The host folders that let an empty image run the host's Python (see `host_python_mounts`).
HOST_SYSTEM_FOLDERS = ("/usr", "/lib", "/lib64", "/bin")


def podman_missing() -> str | None:
    """Why a Podman service cannot be started here; None when it can."""
    for tool in ("podman", "runc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/install-system-deps.sh installs it)"
    return None


def host_python_mounts(*more: str | Path) -> list[str]:
    """Read-only mounts under which an empty image runs this machine's Python: the system
    folders, the interpreter's installation and `more` (the virtual environment, sources)."""
    import sys

    paths = [p for p in HOST_SYSTEM_FOLDERS if os.path.isdir(p)]
    for path in (sys.base_prefix, sys.prefix, *map(str, more)):
        if not any(path == p or path.startswith(p + "/") for p in paths):
            paths.append(path)
    return paths


class PodmanService:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.socket = self.folder / "podman.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.folder / "containers.conf")}

    @property
    def global_options(self) -> list[str]:
        """Everything of this service in its folder: storage, run state, events log."""
        return [
            "--root",
            str(self.folder / "storage"),
            "--runroot",
            str(self.folder / "run"),
            "--tmpdir",
            str(self.folder / "tmp"),
            "--storage-driver",
            "vfs",
        ]

    def podman(self, *args: str, stdin: bytes | None = None) -> str:
        """Run `podman` on this service's storage; its output."""
        argv = ["podman", *self.global_options, *args]
        done = subprocess.run(argv, input=stdin, env=self.env, capture_output=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def start(self, timeout: float = 30.0) -> PodmanService:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "containers.conf").write_text(CONTAINERS_CONF)
        log = open(self.folder / "service.log", "ab")  # noqa: SIM115 - the service writes to it
        self.process = subprocess.Popen(
            ["podman", *self.global_options, "system", "service", "--time=0", self.url],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"podman system service did not start: {self.service_log()}")
            time.sleep(0.05)
        return self

    def service_log(self) -> str:
        path = self.folder / "service.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def import_image(self, name: str, path_env: str | None = None) -> str:
        """An empty image called `name` (no registry needed); with `path_env`, its PATH."""
        changes = ["--change", f"ENV PATH={path_env}"] if path_env else []
        tar = subprocess.run(["tar", "-c", "-T", "/dev/null"], capture_output=True, check=True).stdout
        self.podman("import", *changes, "-", name, stdin=tar)
        return name

    def stop(self) -> None:
        """Remove every container of this service, end it and delete its folder."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.podman("rm", "--all", "--force", "--time", "0")
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PodmanService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
