"""`vlad kernel check`: the checker of `vlad.conformance`, on a broker started for it when
none is given (the platform's registration check uses the platform's broker)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from vlad.conformance import Check, CheckError, Report
from vlad.conformance import check_kernel as _check_kernel
from vlad.devtools.rabbitmq import broker

__all__ = ["Check", "CheckError", "Report", "check_kernel"]


def check_kernel(
    kernel_dir: Path, dataset: Path | None = None, *, broker_url: str | None = None, **options: Any
) -> Report:
    """`vlad.conformance.check_kernel`, starting a broker of its own (only once kernel.json is
    valid) when `broker_url` is None."""
    return _check_kernel(kernel_dir, dataset, broker_url=broker_url or partial(broker, None), **options)
