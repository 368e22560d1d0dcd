"""The broker `vlad up` uses: the configured one, one on 127.0.0.1:5672, or a private RabbitMQ
node of the project's own (own data folder, free ports, no systemd).

The tests that must stop and start a broker use the private node too (through
`vlad.devtools.rabbitmq`). See MACHINE-NOTES.md for why the node is started through
/usr/lib/rabbitmq/bin directly.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
DEFAULT_LOCAL_URL = "amqp://guest:guest@127.0.0.1:5672/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_bindable(host: str, port: int) -> bool:
    """Whether a listener could bind `host:port` now (RabbitMQ binds without SO_REUSEADDR, so
    a port whose old connections linger is refused for a while after a stop)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def install_rabbitmq() -> None:
    """Install Debian's rabbitmq-server when it is missing (root on Debian, as here)."""
    if (RABBITMQ_BIN / "rabbitmq-server").exists():
        return
    if shutil.which("apt-get") is None:
        raise RuntimeError(
            "RabbitMQ is not installed and apt-get is not available: install "
            "rabbitmq-server, or set VLAD_BROKER_URL to a running broker."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "rabbitmq-server"], check=True, env=env)


@dataclass
class PrivateRabbitMQ:
    """One private node under `base_dir`. `start`, `stop`, `restart` keep the same ports and data."""

    base_dir: Path
    name: str = "vlad"
    port: int = 0
    dist_port: int = 0
    management_port: int = 0
    _process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.base_dir = Path(self.base_dir).resolve()
        self.port = self.port or free_port()
        self.dist_port = self.dist_port or free_port()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def nodename(self) -> str:
        return f"{self.name}{self.port}@localhost"

    def _env(self) -> dict[str, str]:
        home = self.base_dir / "home"
        return {
            **os.environ,
            "HOME": str(home),
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base_dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base_dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base_dir / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base_dir / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base_dir / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def _write_config(self) -> None:
        for sub in ("home", "mnesia", "log"):
            (self.base_dir / sub).mkdir(parents=True, exist_ok=True)
        (self.base_dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\nlog.console = false\n"
        )
        (self.base_dir / "enabled_plugins").write_text("[].\n")

    def start(self, timeout: float = 60.0) -> PrivateRabbitMQ:
        install_rabbitmq()
        self._write_config()
        log = (self.base_dir / "log" / "server.out").open("ab")
        self._process = subprocess.Popen(
            [str(RABBITMQ_BIN / "rabbitmq-server")],
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"RabbitMQ exited with {self._process.returncode}; see {self.base_dir / 'log'}"
                )
            if port_open("127.0.0.1", self.port) and self._ready():
                return self
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"RabbitMQ did not answer on port {self.port} within {timeout:.0f}s")

    def _ready(self) -> bool:
        import pika  # a dependency of the bare install; imported late to keep start-up light

        try:
            pika.BlockingConnection(pika.URLParameters(self.url + "?connection_attempts=1")).close()
            return True
        except Exception:  # noqa: BLE001 - not ready yet
            return False

    def stop(self, timeout: float = 30.0) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            # The server script runs Erlang in its process group; end them together.
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._process = None
        # Free for a restart on the same port: nothing answers, and a listener could bind it.
        deadline = time.monotonic() + 60
        while (port_open("127.0.0.1", self.port) or not port_bindable("127.0.0.1", self.port)) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> PrivateRabbitMQ:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def reachable(url: str) -> bool:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    return port_open(parsed.hostname or "127.0.0.1", parsed.port or 5672)


@contextmanager
def broker(url: str | None = None, data_dir: Path | None = None) -> Iterator[str]:
    """The broker to use: `url` (or $VLAD_BROKER_URL) when given, else one answering on
    127.0.0.1:5672, else a private node started here and stopped on exit."""
    url = url or os.environ.get("VLAD_BROKER_URL")
    if url:
        yield url
        return
    if reachable(DEFAULT_LOCAL_URL):
        yield DEFAULT_LOCAL_URL
        return
    base = data_dir or Path(tempfile.mkdtemp(prefix="vlad-rabbitmq-"))
    with PrivateRabbitMQ(base) as node:
        yield node.url
