"""The check a kernel gets when it is registered with ?check=true.

The fast checks of `vlad.conformance` (kernel.json, a training run, an unsupported config
version) run the kernel's `command` on the platform's host, on the platform's broker (each
run on a queue of its own), with a copy of the demo digits dataset. They take seconds to
minutes, so they run in a thread after the registration is committed, and write their
report into the kernel's row when they end: {"status": "running"} until then.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vlad.conformance import check_kernel
from vlad.server.db import Database
from vlad.server.models import Kernel, utcnow
from vlad.server.services.access import Caller, require_admin
from vlad.server.services.errors import Invalid, field_error

log = logging.getLogger("vlad.kernel_checks")

RUNNING = {"status": "running"}


@dataclass(frozen=True)
class KernelChecker:
    """What the check needs of the platform: its database, its broker, its data folder (the
    demo dataset is read there, and a failed check's runs are kept there to be read)."""

    db: Database
    broker_url: str
    data_dir: Path
    timeout: float = 300.0  # seconds one run of the kernel may take

    def start(self, kernel_id: str, folder: Path) -> threading.Thread:
        """Check the kernel in `folder` in a thread; its report goes into `kernel_id`'s row."""
        thread = threading.Thread(
            target=self.run, args=(kernel_id, folder), name=f"vlad-check-{kernel_id}", daemon=True
        )
        thread.start()
        return thread

    def run(self, kernel_id: str, folder: Path) -> None:
        report = self.report(kernel_id, folder)
        try:
            with self.db.session() as session:
                kernel = session.get(Kernel, kernel_id)
                if kernel is not None:  # deleted meanwhile: nothing to keep
                    kernel.check_report = report
        except Exception:  # noqa: BLE001 - a thread of its own: nobody else would see it
            log.exception("could not keep the check report of kernel %s", kernel_id)

    def report(self, kernel_id: str, folder: Path) -> dict[str, Any]:
        """The fast check's report as kept with the kernel: passed or failed, and each check."""
        work = self.data_dir / "kernel-checks" / kernel_id
        shutil.rmtree(work, ignore_errors=True)
        demo = self.data_dir / "demo" / "digits"
        dataset = None
        try:
            if demo.is_dir():
                # A copy: a kernel that writes into its dataset must not spoil the platform's.
                dataset = work / "dataset"
                shutil.copytree(demo, dataset)
            found = check_kernel(
                folder, dataset, broker_url=self.broker_url, fast=True, work_dir=work, timeout=self.timeout
            )
            checks = [asdict(check) for check in found.checks]
            passed = found.ok
        except Exception as exc:  # noqa: BLE001 - a check that cannot run fails, and says why
            log.exception("the check of kernel %s could not run", kernel_id)
            checks = [
                {"name": "check", "ok": False, "detail": f"the check could not run: {exc}", "advice": False}
            ]
            passed = False
        if passed:
            shutil.rmtree(work, ignore_errors=True)
        return {
            "status": "passed" if passed else "failed",
            "checks": checks,
            "finished_at": utcnow().isoformat(),
        }


def register_checked(
    session: Session, caller: Caller, checker: KernelChecker | None, register: Callable[[], Kernel]
) -> Kernel:
    """`register()` the kernel; with a `checker` (?check=true), then start its check.

    Only an admin may ask for the check: it runs the kernel's code on the platform's host,
    whatever executor the kernel is registered for (403 before anything is registered). The
    kernel needs a folder to run (a path or an upload; 422 for a manifest alone, and nothing
    is registered). The registration is committed before the check starts, so that the
    check's report finds the row; the answer shows the check running."""
    if checker is None:
        return register()
    require_admin(
        caller,
        "checking a kernel when it is registered (?check=true)",
        "the check runs the kernel's command on the platform's host, outside any executor's "
        "sandbox; register it without ?check=true, or run `vlad kernel check` on your machine",
        "check",
    )
    kernel = register()
    if kernel.path is None:
        raise Invalid(
            "?check=true needs the kernel's folder to run it: register a folder (path) or upload "
            "a .zip; a manifest alone cannot be checked",
            [field_error("check", "no kernel folder to run", "a path or an uploaded .zip")],
        )
    kernel.check_report = dict(RUNNING)
    session.commit()
    checker.start(kernel.id, Path(kernel.path))
    return kernel
