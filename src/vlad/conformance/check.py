"""`check_kernel`: the scenarios in order, and the report."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from vlad.conformance import files, scenario_checks
from vlad.conformance.manifest import manifest_checks
from vlad.conformance.messages import message_checks, outcome_checks
from vlad.conformance.report import Check, Report
from vlad.conformance.scenarios import Run, Session
from vlad.contract import KernelManifest, Status, ValidationType, check_hyperparameters


class CheckError(Exception):
    """The check could not start (a wrong option, a missing folder); the message says why."""


def check_kernel(
    kernel_dir: Path,
    dataset: Path | None = None,
    *,
    broker_url: str | Callable[[], AbstractContextManager[str]],
    overrides: dict[str, Any] | None = None,
    fast: bool = False,
    etc: Path | None = None,
    work_dir: Path | None = None,
    timeout: float = 600.0,
    stop_grace: float = 10.0,
    drain_seconds: float = 0.5,
) -> Report:
    """Run the kernel in `kernel_dir` through the scenarios and report every rule.

    `dataset` defaults to the demo digits dataset; `overrides` change the first model type's
    defaults (e.g. {"epochs": 1}); `fast` runs only the manifest, training and unsupported
    version scenarios. `broker_url` is the broker the runs report to (each on a queue of its
    own), or a callable that starts one when the scenarios begin and yields its URL (none is
    started when kernel.json is broken). The runs are kept in `work_dir` (default: a new
    temporary folder, removed when every check passed). Raises CheckError when the check cannot start.
    """
    kernel_dir = Path(kernel_dir).resolve()
    report = Report(str(kernel_dir))
    checks, manifest = manifest_checks(kernel_dir)
    report.checks += checks
    if manifest is None:
        report.checks.append(
            Check("scenarios", False, "not run: kernel.json must be fixed first", advice=True)
        )
        return report
    values = {**manifest.defaults_for(None), **(overrides or {})}
    problems = check_hyperparameters(values, manifest.schema_)
    if problems:
        raise CheckError(
            "the hyperparameters given break the kernel's schema: " + "; ".join(map(str, problems))
        )
    if dataset is not None and not Path(dataset).is_dir():
        raise CheckError(f"dataset folder {dataset} does not exist")
    if etc is not None and not Path(etc).is_dir():
        raise CheckError(f"etc folder {etc} does not exist")
    temporary = work_dir is None
    work = Path(work_dir or tempfile.mkdtemp(prefix="vlad-kernel-check-")).resolve()
    if dataset is None:
        from vlad.demo import write_digits_dataset

        dataset = work / "dataset"
        write_digits_dataset(dataset)
    opened = nullcontext(broker_url) if isinstance(broker_url, str) else broker_url()
    with opened as url:
        session = Session(
            kernel_dir,
            Path(dataset).resolve(),
            url,
            work,
            values,
            etc=Path(etc).resolve() if etc else None,
            timeout=timeout,
            stop_grace=stop_grace,
            drain_seconds=drain_seconds,
        )
        report.checks += _scenarios(session, manifest, fast)
    if temporary and report.ok:
        shutil.rmtree(work, ignore_errors=True)
    else:
        report.work_dir = str(work)
    return report


def _scenarios(session: Session, manifest: KernelManifest, fast: bool) -> list[Check]:
    before = files.snapshot(session.dataset)
    after: list[files.Snapshot] = []

    def run(scenario: str, **options: Any) -> Run:
        result = session.run(scenario, **options)
        after.append(files.snapshot(session.dataset))
        return result

    training = run("training")
    succeeding, reporting = [training], [training]  # which runs each family of rules looks at
    version = run(
        "unsupported_version", config={"vlad_training_config_version": scenario_checks.UNSUPPORTED_VERSION}
    )
    reporting.append(version)
    own = [scenario_checks.unsupported_version_check(version)]
    if not fast:
        own += _full(session, manifest, run, training, succeeding, reporting)
    return [
        *message_checks(reporting),
        *outcome_checks(succeeding),
        files.metrics_check(succeeding),
        files.graphs_check(training),
        files.output_check(succeeding),
        files.dataset_check(session.dataset, before, session.runs, after),
        files.temp_check(session.runs),
        *own,
    ]


def _full(
    session: Session,
    manifest: KernelManifest,
    run: Any,
    training: Run,
    succeeding: list[Run],
    reporting: list[Run],
) -> list[Check]:
    own = []
    broken = scenario_checks.breaking_hyperparameters(session.hyperparameters, manifest.schema_)
    if broken is None:
        own.append(scenario_checks.schema_refusal_check(None, ""))
    else:
        # Advice only: what the kernel sends here is not held against the message rules.
        refused = run("schema_refusal", hyperparameters=broken[0])
        own.append(scenario_checks.schema_refusal_check(refused, broken[1]))
    stopped = run("stop", stop=True)
    reporting.append(stopped)
    own.append(scenario_checks.stop_check(stopped, session.stop_grace))
    if scenario_checks.outcome_of(training) is not Status.DONE:
        skipped = "not run: the training scenario did not end with training_done"
        return own + [Check(name, False, skipped, advice=True) for name in _needs_a_model(manifest)]
    further = run("further_training", base_model=training.write_path)
    succeeding.append(further)
    reporting.append(further)
    declared = (manifest.model_extra or {}).get("validation_types")
    for kind in ValidationType:
        if declared is not None and kind.value not in declared:
            own.append(Check(kind.value, True, "not in kernel.json's validation_types: not run", advice=True))
            continue
        result = run(kind.value, base_model=training.write_path, validation_type=kind)
        reporting.append(result)
        check, supported = scenario_checks.support_check(kind.value, result, declared is not None)
        own.append(check)
        if supported:
            succeeding.append(result)
    if (manifest.model_extra or {}).get("resume") is True:
        resumed = run(
            "resume",
            config={"resume_path": str(stopped.write_path), "model_id": stopped.config.model_id},
        )
        succeeding.append(resumed)
        reporting.append(resumed)
        own.append(scenario_checks.resume_check(training, stopped, resumed))
    return own


def _needs_a_model(manifest: KernelManifest) -> list[str]:
    names = ["further_training", "validation", "inference"]
    return names + (["resume"] if (manifest.model_extra or {}).get("resume") is True else [])
