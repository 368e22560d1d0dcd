"""What a Ray cluster has: each alive node's resources, as its dashboard's state API reports
them (the address the Jobs API uses), asked at most every few seconds."""

from __future__ import annotations

import logging
import threading
from time import monotonic

from ray.util.state import list_nodes

logger = logging.getLogger(__name__)

TTL_SECONDS = 5.0
TIMEOUT_SECONDS = 3  # the state API's own timeout, whole seconds: a hung dashboard costs this


class ClusterNodes:
    """The resources of the cluster's alive nodes (Ray's names: CPU, GPU, memory in bytes).

    Asks the dashboard at most every `TTL_SECONDS`; while it does not answer, the last
    nodes known stand (None before any answer), so that callers never wait long or fail."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._nodes: list[dict[str, float]] | None = None
        self._asked = -TTL_SECONDS
        self._lock = threading.Lock()

    def resources(self) -> list[dict[str, float]] | None:
        with self._lock:
            if monotonic() - self._asked < TTL_SECONDS:
                return self._nodes
            self._asked = monotonic()  # one caller asks; the others take what is known
        try:
            nodes = list_nodes(
                address=self.address,
                filters=[("state", "=", "ALIVE")],
                limit=10_000,
                timeout=TIMEOUT_SECONDS,
                detail=True,
                raise_on_missing_output=False,
            )
        except Exception as exc:  # noqa: BLE001 - a cluster down is no reason to fail a caller
            logger.warning("could not list the Ray cluster's nodes at %s: %s", self.address, exc)
            return self._nodes
        self._nodes = [{k: float(v) for k, v in node.resources_total.items()} for node in nodes]
        return self._nodes

    def total(self, resource: str) -> float | None:
        """The sum over alive nodes; None when never known."""
        nodes = self.resources()
        return None if nodes is None else sum(node.get(resource, 0.0) for node in nodes)

    def largest(self, resource: str) -> float | None:
        """The most any one node has (what one job can get); None when never known."""
        nodes = self.resources()
        return None if nodes is None else max((node.get(resource, 0.0) for node in nodes), default=0.0)
