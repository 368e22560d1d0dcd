"""A real platform process (`vlad up`) for tests and benchmarks, and an API client for it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from vlad.devtools.rabbitmq import free_port


@dataclass
class RunningPlatform:
    data_dir: Path
    broker_url: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cli_config(self) -> Path:
        return self.data_dir / "cli-config.json"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "VLAD_BROKER_URL": self.broker_url,
            "VLAD_CLI_CONFIG": str(self.cli_config),
            "VLAD_STATUS_QUEUE": f"vlad.status.{self.port}",
            **self.extra_env,
        }

    def start(self, timeout: float = 60) -> RunningPlatform:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "platform.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vlad.cli.main",
                "up",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vlad up exited: {(self.data_dir / 'platform.log').read_text()[-3000:]}")
            try:
                if (
                    httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200
                    and self.cli_config.exists()
                ):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError("the platform did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def client(self) -> Api:
        token = json.loads(self.cli_config.read_text())["token"]
        return Api(f"{self.url}/api/v1", token)


class Api(httpx.Client):
    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def wait_for(self, path: str, done: Any, timeout: float = 180, interval: float = 0.2) -> Any:
        """Poll `path` until `done(body)` is true; the last body."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.ok("GET", path)
            if done(body):
                return body
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not reach the expected state: {body}")
            time.sleep(interval)

    def wait_job(
        self, model_or_validation: str, statuses=("done", "failed", "stopped", "pruned"), timeout: float = 180
    ) -> Any:
        kind = "validations" if model_or_validation.startswith("validation") else "models"
        return self.wait_for(f"/{kind}/{model_or_validation}", lambda b: b["status"] in statuses, timeout)


def kernel_pid(job_dir: Path, timeout: float = 30) -> int:
    """A job's kernel process under the local executor (its supervisor's child), to kill it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = job_dir / "executor.json"
        if state.is_file():
            supervisor = json.loads(state.read_text())["pid"]
            children = Path(f"/proc/{supervisor}/task/{supervisor}/children")
            if children.is_file() and children.read_text().split():
                return int(children.read_text().split()[0])
        time.sleep(0.01)
    raise TimeoutError(f"no kernel process for {job_dir}")
