"""The CLI's way to the platform: the REST API over httpx, and its live job events."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from vlad.cli.config import load_config

API_PREFIX = "/api/v1"
TERMINAL = frozenset({"done", "failed", "stopped", "pruned"})
# The server sends a keep-alive every 15 s, so a longer silence means the stream is dead.
STREAM_READ_TIMEOUT = 40.0
# After this many failed connections in a row, live events are given up for polling.
STREAM_ATTEMPTS = 3


class CliError(Exception):
    """A refusal or a failure to show the user as is, without a traceback."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.extra: Any = None  # shown after the message: what would help to fix it

    def __str__(self) -> str:
        return "\n".join([self.message, *(f"  - {p}" for p in self.problems)])


def error_from(response: httpx.Response) -> CliError:
    """The API's `detail` and each of its `errors[]` (field: problem (allowed: ...))."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text.strip()[:500] or response.reason_phrase
        return CliError(f"the platform answered {response.status_code}: {text}")
    detail = body.get("detail")
    message = detail if isinstance(detail, str) else json.dumps(detail)
    problems = []
    for item in body.get("errors") or []:
        where = item.get("field") or item.get("path") or "?"
        if item.get("run") is not None:  # experiments name the run that is wrong
            where = f"run {item['run']}: {where}"
        text = f"{where}: {item.get('problem', '')}"
        if item.get("allowed"):
            text += f" (allowed: {item['allowed']})"
        problems.append(text)
    return CliError(message or f"the platform answered {response.status_code}", problems)


class ApiClient:
    def __init__(self, url: str, token: str | None, timeout: float = 30.0) -> None:
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url + API_PREFIX, headers=headers, timeout=timeout)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            raise error_from(response)
        return response

    def _unreachable(self, exc: httpx.TransportError) -> CliError:
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return CliError(f"cannot reach the platform at {self.url}: is `vlad up` running?")
        return CliError(
            f"the platform at {self.url} did not answer ({type(exc).__name__}); "
            "try again, or check that `vlad up` is still running"
        )

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", path, params=clean).json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        response = self.request("POST", path, json=body, **kwargs)
        return response.json() if response.content else None

    def delete(self, path: str) -> None:
        self.request("DELETE", path)

    def upload(self, path: str, files: dict[str, Path], data: dict[str, str] | None = None) -> Any:
        handles = {field: (p.name, p.open("rb")) for field, p in files.items()}
        try:
            response = self.request("POST", path, files=handles, data=data or {})
        finally:
            for _name, handle in handles.values():
                handle.close()
        return response.json()

    def upload_file(self, path: Path) -> str:
        """Upload an extra file for a job (its `etc_path`); the id to name in `extra_files`."""
        if not path.is_file():
            raise CliError(f"extra file {path} does not exist or is not a file")
        return str(self.upload("/files", {"file": path})["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        return {**self.get(f"/jobs/{job_id}"), "id": job_id}

    def events(self) -> Iterator[dict[str, Any]]:
        """The SSE stream `/events`, one dict per `job` event; ends when the stream does."""
        timeout = httpx.Timeout(10.0, read=STREAM_READ_TIMEOUT)
        with self.http.stream("GET", "/events", timeout=timeout) as response:
            if response.status_code >= 400:
                response.read()
                raise error_from(response)
            yield {"type": "connected"}  # subscribed: anything after this is not missed
            kind, data = "message", []
            for line in response.iter_lines():
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line:
                    if kind == "job" and data:
                        yield json.loads("\n".join(data))
                    kind, data = "message", []

    def watch(
        self,
        job_ids: list[str],
        on_fallback: Callable[[], None] | None = None,
        poll_interval: float = 1.0,
        retry_delay: float = 1.0,
    ) -> Iterator[dict[str, Any]]:
        """The state of each job whenever it changes, until every one has ended.

        Driven by the event stream; a dropped stream is reopened (and the jobs read
        again, since events may have been missed meanwhile); when the stream cannot be
        had at all, the jobs are polled every `poll_interval` seconds instead.
        """
        pending, seen = set(job_ids), {}
        failures = 0

        def changed(state: dict[str, Any]) -> bool:
            key = (state.get("status"), state.get("percentage"), state.get("step"))
            if seen.get(state["id"]) == key:
                return False
            seen[state["id"]] = key
            if state.get("status") in TERMINAL:
                pending.discard(state["id"])
            return True

        while pending and failures < STREAM_ATTEMPTS:
            try:
                for event in self.events():
                    if event["type"] == "connected":
                        failures = 0
                        for state in [self.job(j) for j in sorted(pending)]:
                            if changed(state):
                                yield state
                    elif event.get("id") in pending and changed(event):
                        yield event
                    if not pending:
                        return
            except (httpx.TransportError, CliError):
                failures += 1
                time.sleep(failures * retry_delay)
        if pending and on_fallback is not None:
            on_fallback()
        while pending:
            for job_id in sorted(pending):
                state = self.job(job_id)
                if changed(state):
                    yield state
            if pending:
                time.sleep(poll_interval)

    def close(self) -> None:
        self.http.close()


def connect() -> ApiClient:
    url, token = load_config()
    return ApiClient(url, token)
