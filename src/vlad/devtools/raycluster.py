"""A two-node Ray cluster on this machine, for tests: a head node without GPUs and a worker
node that declares `worker_gpus` (Ray schedules declared GPUs whether or not they exist).

Ray listens on all addresses whatever it is told, so run the cluster and its clients inside
a private network namespace: `private_network_argv` wraps a command so that it runs in new
network, PID and mount namespaces with only a loopback interface. When the command ends,
the kernel ends every process left in its PID namespace: no Ray daemon outlives it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from vlad.devtools.rabbitmq import free_port

OBJECT_STORE_BYTES = 80 * 1024 * 1024  # Ray's minimum is about 75 MiB
# Set to "inside" for a pytest run in a private network namespace, where Ray tests may start a cluster.
RAY_TESTS_ENV = "VLAD_TEST_RAY"
# Or the Ray tests use a cluster of your own (its dashboard's address) and start none.
RAY_ADDRESS = os.environ.get("VLAD_TEST_RAY_ADDRESS", "")


def ray_tests_inside() -> bool:
    return os.environ.get(RAY_TESTS_ENV) == "inside" and in_private_network()


def private_network_argv(argv: list[str]) -> list[str]:
    """`argv` run in private network, PID and mount namespaces, with loopback up."""
    script = 'ip link set lo up && exec "$@"'
    return ["unshare", "--net", "--pid", "--fork", "--mount-proc", "sh", "-c", script, "sh", *argv]


def private_network_missing() -> str | None:
    """Why `private_network_argv` cannot work here; None when it can."""
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    probe = subprocess.run(private_network_argv(["true"]), capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot make a private network namespace (needs root): {probe.stderr.strip()}"
    return None


def in_private_network() -> bool:
    """Whether this process sees no network interface but loopback."""
    try:
        names = [name for _index, name in socket.if_nameindex()]
    except OSError:
        return False
    return names == ["lo"]


def ray_cli() -> str:
    beside = Path(sys.executable).parent / "ray"
    return str(beside) if beside.exists() else shutil.which("ray") or "ray"


def _agent_ports() -> list[str]:
    """Ports of a node's own agents: nodes on one address (two of a cluster, or two clusters
    at once) must not meet on Ray's default ones."""
    names = (
        "dashboard-agent-listen-port",
        "dashboard-agent-grpc-port",
        "metrics-export-port",
        "runtime-env-agent-port",
        "node-manager-port",
        "object-manager-port",
    )
    return [f"--{name}={free_port()}" for name in names]


class RayTestCluster:
    def __init__(
        self, folder: Path, worker_gpus: int = 2, cpus: int = 2, head_cpus: int | None = None
    ) -> None:
        self.folder = folder.resolve()
        self.worker_gpus = worker_gpus
        self.cpus = cpus
        self.head_cpus = cpus if head_cpus is None else head_cpus
        self.gcs_port = free_port()
        self.dashboard_port = free_port()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.temp_dir: Path | None = None  # Ray's sockets: a short path (sun_path holds 107 bytes)

    @property
    def address(self) -> str:
        """The dashboard's address, where the Jobs API answers."""
        return f"http://127.0.0.1:{self.dashboard_port}"

    def _start_node(self, name: str, args: list[str], cpus: int | None = None) -> None:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - the node writes to it
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        common = [
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--num-cpus={self.cpus if cpus is None else cpus}",
            f"--object-store-memory={OBJECT_STORE_BYTES}",
            "--disable-usage-stats",
        ]
        self.processes.append(
            subprocess.Popen(
                [ray_cli(), "start", *common, *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        log.close()

    def start(self, timeout: float = 120.0) -> RayTestCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.temp_dir = Path(tempfile.mkdtemp(prefix="vlad-ray-"))
        self._start_node(
            "head",
            [
                "--head",
                f"--port={self.gcs_port}",
                "--dashboard-host=127.0.0.1",
                f"--dashboard-port={self.dashboard_port}",
                "--num-gpus=0",
                f"--temp-dir={self.temp_dir}",
                f"--ray-client-server-port={free_port()}",
                *_agent_ports(),
            ],
            cpus=self.head_cpus,
        )
        self._start_node(
            "worker",
            [f"--address=127.0.0.1:{self.gcs_port}", f"--num-gpus={self.worker_gpus}", *_agent_ports()],
        )
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        """Until both nodes run jobs: one small job on each (this also warms their workers)."""
        deadline = time.monotonic() + timeout
        while True:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a Ray node exited: {self.logs()}")
            try:
                urllib.request.urlopen(f"{self.address}/api/version", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the Ray dashboard did not answer: {self.logs()}") from None
                time.sleep(0.3)
        from ray.job_submission import JobSubmissionClient

        client = JobSubmissionClient(self.address)
        while True:  # the worker's agent may not answer yet: retry until a job runs there
            try:
                ids = [client.submit_job(entrypoint="true", entrypoint_num_gpus=gpus) for gpus in (0, 1)]
            except RuntimeError:  # "No available agent to submit job, please try again later"
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
                continue
            while not all(client.get_job_status(job_id).is_terminal() for job_id in ids):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the Ray cluster ran no job: {self.logs()}")
                time.sleep(0.2)
            if all(client.get_job_status(job_id).value == "SUCCEEDED" for job_id in ids):
                return
            time.sleep(1)

    def kill_worker(self) -> None:
        """The worker node dies at once, with every process it started (a machine lost)."""
        worker = self.processes[1]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-2000:]}"
            for path in self.folder.glob("*.log")
        )

    def stop(self) -> None:
        """End both nodes (a `ray start --block` ends the daemons it started) and delete the folder."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RayTestCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
