"""Run every benchmark and print its figures."""

from __future__ import annotations

import sys

from bench import api_scale, ingestion, kernel_progress, restarts, scheduling, search, staging, submit_latency

BENCHES = {
    "kernel-progress": kernel_progress.main,
    "ingestion": ingestion.main,
    "submit-latency": submit_latency.main,
    "staging": staging.main,
    "api-scale": api_scale.main,
    "scheduling": scheduling.main,
    "restarts": restarts.main,
    "search": search.main,
}


def main(names: list[str]) -> None:
    for name in names or list(BENCHES):
        print(f"== {name}", flush=True)
        BENCHES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
