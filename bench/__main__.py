"""Run every benchmark and print its figures."""

from __future__ import annotations

import sys

from bench import kernel_progress

BENCHES = {"kernel-progress": kernel_progress.main}


def main(names: list[str]) -> None:
    for name in names or list(BENCHES):
        print(f"== {name}", flush=True)
        BENCHES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
