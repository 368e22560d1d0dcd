"""Entry point: ``python -m command_kernel``, run by the platform in the kernel folder."""

from __future__ import annotations

from pathlib import Path

from command_kernel.program import train
from vlad.kernel import run

MANIFEST = Path(__file__).resolve().parent.parent / "kernel.json"

if __name__ == "__main__":
    run(train=train, manifest=MANIFEST)
