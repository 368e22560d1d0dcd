"""`vlad kernel check` on a real broker: each deliberately broken kernel fails the check of
the rule it breaks and no other; the reference kernel and the command kernel pass.

The broken kernels (tests/fixtures/kernels/broken/<flaw>/) share one plain-pika script,
raw_kernel.py, which their kernel.json runs with the name of its flaw. Their checks run
side by side (they mostly wait on the broker and on short sleeps) in one pytest process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import REFERENCE_KERNEL, REPO

from vlad.demo.digits import write_digits_dataset
from vlad.devtools.kernel_check import Report, check_kernel

pytestmark = pytest.mark.broker
BROKEN = REPO / "tests" / "fixtures" / "kernels" / "broken"
COMMAND_KERNEL = REPO / "kernels" / "command"


@dataclass(frozen=True)
class Case:
    flaw: str  # the folder under broken/
    failing: str | None  # the one check that must fail (None: none may)
    seen: str = ""  # words the failure must show: what was seen, and where


CASES = [
    Case("no_flaw", None),
    Case("missing_project_key", "messages.ids", "has no project_key"),
    Case("not_json", "messages.json", "is not JSON"),
    Case("percentage_over_100", "messages.percentage_range", "outside 0..100"),
    Case("percentage_decreasing", "messages.percentage_order", "went down from 25 (message #1) to 10"),
    Case("step_decreasing", "messages.step_order", "step went down from 3"),
    Case("no_progress", "outcome.progress", "no training_ing before the outcome"),
    Case("two_done", "outcome.done", "2 training_done messages"),
    Case("message_after_done", "outcome.done", "after training_done"),
    Case("no_done", "outcome.done", "no training_done"),
    Case("exit_1_after_done", "outcome.exit_code", "exit code 1 (log: "),
    Case("metric_no_header", "files.metrics", "loss.log: line 1"),
    Case("metric_text_x", "files.metrics", "'epoch1, 1.000'"),
    Case("writes_nothing", "files.output_written", "the model is missing"),
    Case("writes_dataset", "files.dataset_untouched", "training: in "),
    Case("deletes_temp", "files.temp_path", "was removed by the kernel"),
    Case("ignores_version", "unsupported_version", "sent no training_error"),
    Case("ignores_sigterm", "stop", "killed with SIGKILL"),
    Case("resume_ignored", "resume", "started over at step 1"),
    Case("defaults_break_schema", "manifest.defaults", "model_types.plain: $.steps"),
    Case("gpu_count_reversed", "manifest.gpu_count", "below its minimum (2)"),
]


@pytest.fixture(scope="module")
def broken_reports(broker_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    root = tmp_path_factory.mktemp("broken")

    def check(case: Case) -> Report:
        dataset = root / case.flaw / "dataset"  # its own: one of them writes into it
        dataset.mkdir(parents=True)
        (dataset / "numbers.txt").write_text("1 2 3\n")
        return check_kernel(
            BROKEN / case.flaw,
            dataset,
            broker_url=broker_url,
            work_dir=root / case.flaw / "runs",
            timeout=60,
            stop_grace=2,
            drain_seconds=0.3,
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        return dict(zip([c.flaw for c in CASES], pool.map(check, CASES), strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c.flaw for c in CASES])
def test_a_broken_kernel_fails_the_check_of_its_rule_and_no_other(broken_reports, case: Case):
    report = broken_reports[case.flaw]
    shown = "\n".join(report.lines())
    assert [c.name for c in report.failed] == ([case.failing] if case.failing else []), shown
    if case.failing:
        (failed,) = report.failed
        assert case.seen in failed.detail, shown
        assert "Rule: SPEC" in failed.detail or "Rule: not in SPEC" in failed.detail, shown
        assert not report.ok


def test_the_json_report_lists_every_check(broken_reports):
    body = json.loads(broken_reports["two_done"].to_json())
    assert body["kernel"] == str(BROKEN / "two_done") and body["ok"] is False
    assert {"name", "ok", "detail", "advice"} <= set(body["checks"][0])
    names = [c["name"] for c in body["checks"]]
    assert len(names) == len(set(names)) and {"manifest", "outcome.done", "stop", "validation"} <= set(names)


def test_a_kernel_that_does_not_validate_gets_advice_not_a_failure(broken_reports):
    checks = {c.name: c for c in broken_reports["no_flaw"].checks}
    for name in ("validation", "inference"):
        assert checks[name].advice and not checks[name].ok
        assert "does not support validation" in checks[name].detail
    assert checks["schema_refusal"].ok and "steps must be an integer" in checks["schema_refusal"].detail


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data") / "digits"
    write_digits_dataset(root)
    return root


@pytest.mark.slow
def test_the_reference_kernel_passes(broker_url: str, digits: Path, tmp_path: Path):
    quick = {"epochs": 1, "model_type": "mlp", "width": 32}
    report = check_kernel(REFERENCE_KERNEL, digits, overrides=quick, broker_url=broker_url, work_dir=tmp_path)
    assert report.ok, "\n".join(report.lines())
    checks = {c.name: c for c in report.checks}
    assert checks["validation"].ok and checks["inference"].ok and checks["stop"].ok
    assert "resume" not in checks  # the reference kernel does not declare it


@pytest.mark.slow
def test_the_command_kernel_passes_with_a_model_definition_in_etc(
    broker_url: str, digits: Path, tmp_path: Path
):
    etc = tmp_path / "etc"
    etc.mkdir()
    with zipfile.ZipFile(etc / "model.zip", "w") as archive:
        archive.write(REPO / "examples" / "dlaas" / "train.py", "train.py")
    command = "python3 train.py --data-dir ${DATA_DIR} --result-dir ${RESULT_DIR} --epochs 2"
    report = check_kernel(
        COMMAND_KERNEL,
        digits,
        overrides={"command": command},
        etc=etc,
        broker_url=broker_url,
        work_dir=tmp_path / "runs",
    )
    assert report.ok, "\n".join(report.lines())


def vlad_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vlad.cli.main", "kernel", "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("flaw", "code"), [("no_flaw", 0), ("ignores_version", 1)])
def test_the_command_exits_0_only_when_every_check_passes(broker_url, tmp_path, flaw, code):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    result = vlad_check(
        str(BROKEN / flaw), "--dataset", str(dataset), "--fast", "--json", "--broker-url", broker_url
    )
    assert result.returncode == code, result.stderr
    body = json.loads(result.stdout)
    failed = [c["name"] for c in body["checks"] if not c["ok"] and not c["advice"]]
    assert failed == ([] if code == 0 else ["unsupported_version"])
    assert "stop" not in {c["name"] for c in body["checks"]}  # --fast
