"""The README is a promise: its commands, run exactly as written, in order, from a fresh copy.

The blocks are read from README.md itself, so README and product cannot drift apart. The
platform is started with the very command `make run` runs (its relative `--data-dir`
included). Only what a second run on one machine must change is substituted: the ports
(8000, 8333), the ids printed by earlier commands, and `/tmp/` (a folder of the test's own).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from tests.integration.readme import REPO, Command, commands, fresh_copy, make_run_command, section_blocks

from vlad.devtools.rabbitmq import free_port

README = (REPO / "README.md").read_text()
SECTIONS = {
    "platform": "## Using the platform",
    "scheduler": "### The scheduler",
    "dev loop": "### A kernel author's dev loop",
    "dlaas": "## DLaaS jobs: a .zip and a manifest",
}
# Ids as the README writes them, and what a real run prints in their place.
PLACEHOLDERS = {
    "MODEL_ID": re.compile(r"\((model-[0-9a-f]{8,16})\)"),
    "training-4a0d6fbd": re.compile(r"Model-ID is '(training-[0-9a-f]{8})'"),
    "<id>": re.compile(r"vlad-runs/([0-9a-f]{12})/output"),
}


@dataclass
class Session:
    """A person at a terminal in a fresh clone: one environment, what each command printed."""

    repo: Path
    env: dict[str, str]
    substitutions: dict[str, str]
    background: list[subprocess.Popen[bytes]] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)

    def substitute(self, line: str) -> str:
        for old, new in self.substitutions.items():
            line = line.replace(old, new)
        return line

    def run(self, command: Command) -> str:
        line = self.substitute(command.line)
        if line.startswith("export "):
            for assignment in command.argv[1:]:
                name, _, value = self.substitute(assignment).partition("=")
                self.env[name] = value
            return ""
        if line.endswith("&"):  # a server the README leaves running: started, then awaited
            with (self.repo / f"background-{len(self.background)}.log").open("wb") as log:
                self.background.append(
                    subprocess.Popen(
                        ["bash", "-c", f"exec {line[:-1]}"],
                        cwd=self.repo,
                        env=self.env,
                        stdout=log,
                        stderr=log,
                    )
                )
            for port in re.findall(r"--port (\d+)", line):
                _wait_port(int(port))
            return ""
        print(f"$ {line}", flush=True)  # shown with -s, and in the failure report
        try:
            done = subprocess.run(
                ["bash", "-c", line], cwd=self.repo, env=self.env, capture_output=True, text=True, timeout=300
            )
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"`{line}` did not end in 300 s:\n{(e.stdout or b'')[-3000:]!r}")
        output = done.stdout + done.stderr
        self.outputs.append((line, output))
        assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{output[-4000:]}"
        for placeholder, pattern in PLACEHOLDERS.items():
            if placeholder not in self.substitutions and (found := pattern.search(output)):
                self.substitutions[placeholder] = found.group(1)
        return output

    def stop(self) -> None:
        for process in self.background:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing answered on port {port}")


@pytest.fixture
def session(tmp_path: Path, broker_url: str) -> Iterator[Session]:
    repo = fresh_copy(tmp_path / "clone")
    home, scratch = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    scratch.mkdir()
    api_port, s3_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VLAD_", "XDG_"))}
    env |= {
        "HOME": str(home),
        "VLAD_BROKER_URL": broker_url,
        "VLAD_STATUS_QUEUE": f"vlad.readme.{uuid.uuid4().hex[:8]}",
        "TERM": "dumb",
        "COLUMNS": "400",  # output is not a terminal: keep Rich from wrapping printed paths
    }
    substitutions = {"8000": str(api_port), "8333": str(s3_port), "/tmp/": f"{scratch}/"}
    manifest = repo / "examples" / "dlaas" / "manifest.yaml"
    manifest.write_text(manifest.read_text().replace("8333", str(s3_port)))
    up = make_run_command((repo / "Makefile").read_text()) + ["--port", str(api_port)]
    log = (tmp_path / "platform.log").open("wb")
    platform = subprocess.Popen(up, cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT)
    running = Session(repo, env, substitutions)
    try:
        deadline = time.monotonic() + 90
        while not (home / ".config" / "vlad" / "config.json").exists():
            assert platform.poll() is None, (tmp_path / "platform.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the platform did not start"
            time.sleep(0.3)
        _wait_port(api_port)
        yield running
    finally:
        running.stop()
        platform.send_signal(signal.SIGTERM)
        try:
            platform.wait(30)
        except subprocess.TimeoutExpired:
            platform.kill()


def _api(session: Session) -> httpx.Client:
    import json

    config = json.loads((Path(session.env["HOME"]) / ".config" / "vlad" / "config.json").read_text())
    return httpx.Client(
        base_url=config["url"] + "/api/v1", headers={"Authorization": f"Bearer {config['token']}"}, timeout=30
    )


def test_the_readme_blocks_are_found() -> None:
    for heading in SECTIONS.values():
        blocks = section_blocks(README, heading)
        assert blocks and commands(blocks[0]), f"no commands under {heading!r}"


@pytest.mark.timeout(1500)
def test_every_readme_command_works_as_written(session: Session) -> None:
    # Using the platform: train, list, show, train further, auto-label, an experiment, a search.
    for command in commands(section_blocks(README, SECTIONS["platform"])[0]):
        session.run(command)
    model_id = session.substitutions["MODEL_ID"]
    with _api(session) as api:
        models = api.get("/models").json()["items"]
        # A search's clearly worse trials end pruned; every other run is done.
        assert {m["status"] for m in models if m["status"] != "pruned"} == {"done"}, models
        assert model_id in {m["id"] for m in models}
        assert api.get(f"/jobs/{model_id}/graphs").json(), "the trained model has no graphs"
        experiments = {e["name"]: e for e in api.get("/experiments").json()}
        sweep = api.get(f"/experiments/{experiments['lr-sweep']['id']}").json()
        assert sweep["runs"] and all(r["model"]["status"] == "done" for r in sweep["runs"])
        search = api.get(f"/experiments/{experiments['lr-search']['id']}").json()["search"]
        assert search["state"] == "done" and len(search["trials"]) == 4
        assert search["best"] is not None and search["best"]["value"] > 0.5

    # The scheduler: a project's rules, an experiment with max_parallel, the queue.
    for command in commands(section_blocks(README, SECTIONS["scheduler"])[0]):
        output = session.run(command)
        if command.line.startswith(".venv/bin/vlad queue"):
            assert "local" in output, output  # the executor's load is shown
    with _api(session) as api:
        rules = next(p for p in api.get("/queue").json()["projects"] if p["name"] == "default")
        assert (rules["quota_running"], rules["share"]) == (4, 2.0)
        seeds = next(e for e in api.get("/experiments").json() if e["name"] == "seeds")
        assert seeds["max_parallel"] == 2
        deadline = time.monotonic() + 600
        while (body := api.get(f"/experiments/{seeds['id']}").json())["status_counts"] != {"done": 3}:
            assert time.monotonic() < deadline, body["status_counts"]
            time.sleep(1)

    # A kernel author's dev loop: exits 0 only when the kernel sent training_done.
    for command in commands(section_blocks(README, SECTIONS["dev loop"])[0]):
        session.run(command)
    run_id = session.substitutions["<id>"]
    assert (session.repo / "vlad-runs" / run_id / "output" / "model.pt").is_file()

    # DLaaS: a zip and a manifest, data and results in S3.
    for command in commands(section_blocks(README, SECTIONS["dlaas"])[0]):
        output = session.run(command)
        if " --follow" in command.line:
            assert "(uploaded)" in output, output
    training_id = session.substitutions["training-4a0d6fbd"]
    with _api(session) as api:
        assert api.get(f"/dlaas/models/{training_id}").status_code == 404  # deleted, as the last line says
