"""`execution.command`: splitting and ${DATA_DIR} expansion, and the command kernel around it."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from vlad.contract import KernelManifest, TrainingConfig
from vlad.dlaas.command import CommandError, expand, program_file, split_command
from vlad.kernel import Job, KernelError
from vlad.kernel.runtime import OutcomeReported

KERNEL_DIR = Path(__file__).resolve().parents[2] / "kernels" / "command"
sys.path.insert(0, str(KERNEL_DIR))

from command_kernel import program  # noqa: E402

VALUES = {"DATA_DIR": "/jobs/x/dataset", "RESULT_DIR": "/jobs/x/output", "MODEL_DIR": "/tmp/code"}


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("python3 train.py --data ${DATA_DIR}", ["python3", "train.py", "--data", "/jobs/x/dataset"]),
        (
            "python3 t.py --images ${DATA_DIR}/train-images.gz",
            ["python3", "t.py", "--images", "/jobs/x/dataset/train-images.gz"],
        ),
        ("run.sh $RESULT_DIR", ["run.sh", "/jobs/x/output"]),
        ("python3 t.py --out=${RESULT_DIR}/model", ["python3", "t.py", "--out=/jobs/x/output/model"]),
        (
            "python3 t.py --name 'a b' ${HOME} $UNKNOWN",
            ["python3", "t.py", "--name", "a b", "${HOME}", "$UNKNOWN"],
        ),
        ("python3 t.py\n  --lr 0.1", ["python3", "t.py", "--lr", "0.1"]),
    ],
)
def test_commands_are_split_then_expanded(command: str, argv: list[str]):
    assert expand(split_command(command), VALUES) == argv


def test_a_data_dir_with_spaces_stays_one_argument():
    assert expand(split_command("python3 t.py ${DATA_DIR}"), {"DATA_DIR": "/a b/c"}) == [
        "python3",
        "t.py",
        "/a b/c",
    ]


@pytest.mark.parametrize("command", ["python3 t.py 'unclosed", "   "])
def test_unusable_commands_are_refused(command: str):
    with pytest.raises(CommandError):
        split_command(command)


@pytest.mark.parametrize(
    ("command", "file"),
    [
        ("python3 train.py --x 1", "train.py"),
        ("python src/train.py", "src/train.py"),
        ("./run.sh", "run.sh"),
        ("python3 -m trainer", None),
        ("bash -c 'echo hi'", None),
        ("/usr/bin/env python3 t.py", None),
    ],
)
def test_the_file_a_command_runs(command: str, file: str | None):
    assert program_file(split_command(command)) == file


def test_the_command_kernels_manifest_is_valid():
    manifest = KernelManifest.load(KERNEL_DIR)
    assert manifest.training_types == ["dlaas"] and manifest.supported_gpu_count.maximum == 4


# -- the command kernel's train(), without a broker ----------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    def publish(self, message: Any) -> None:
        self.messages.append(message)


def kernel_job(tmp_path: Path, script: str, command: str) -> tuple[Job, Recorder]:
    etc = tmp_path / "etc"
    etc.mkdir()
    with zipfile.ZipFile(etc / "model.zip", "w") as archive:
        archive.writestr("train.py", script)
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "numbers.txt").write_text("1 2 3")
    config = TrainingConfig(
        vlad_training_config_version="1.0",
        operation="training",
        model_id="training-0000",
        dataset_path=str(tmp_path / "dataset"),
        temp_path=str(tmp_path / "temp"),
        model_write_path=str(tmp_path / "output"),
        message_host="127.0.0.1",
        message_port=5672,
        message_id="guest",
        message_pw="guest",
        queue_name="q",
        training_config_file=str(tmp_path / "model.json"),
        project_key="pk",
        etc_path=str(etc),
    )
    for folder in ("temp", "output"):
        (tmp_path / folder).mkdir()
    recorder = Recorder()
    hyperparameters = {"training_type": "dlaas", "command": command, "archive": "model.zip"}
    return Job(config, hyperparameters, recorder), recorder  # type: ignore[arg-type]


def test_the_program_runs_in_its_folder_with_data_and_result_dirs(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    script = (
        "import os, pathlib, sys\n"
        "data = pathlib.Path(sys.argv[1]).read_text()\n"
        "pathlib.Path(os.environ['RESULT_DIR'], 'sum.json').write_text(str(sum(map(int, data.split()))))\n"
        "print('cwd has train.py:', pathlib.Path('train.py').exists())\n"
    )
    job, recorder = kernel_job(tmp_path, script, "python3 train.py ${DATA_DIR}/numbers.txt")
    program.train(job)
    assert json.loads((tmp_path / "output" / "sum.json").read_text()) == 6
    assert "cwd has train.py: True" in capfd.readouterr().out  # teed to the job's log
    assert [m.status.value for m in recorder.messages] == ["training_ing"]  # started; run() sends done


def test_a_failing_program_fails_the_job_with_the_tail_of_its_output(tmp_path: Path):
    script = "for i in range(30):\n    print('line', i)\nraise SystemExit('Loss became NaN at step 30')\n"
    job, _ = kernel_job(tmp_path, script, "python3 train.py")
    with pytest.raises(KernelError) as failed:
        program.train(job)
    message = failed.value.message
    assert "exited with code 1" in message and "Loss became NaN at step 30" in message
    assert "line 29" in message and "line 5\n" not in message  # the tail, not all of it


def test_a_program_that_uses_the_sdk_reports_for_itself(tmp_path: Path):
    script = (
        "import os, pathlib\n"
        "pathlib.Path(os.environ['VLAD_REPORTING_MARKER']).touch()  # as vlad.kernel.run() does\n"
        "raise SystemExit(3)\n"
    )
    job, _ = kernel_job(tmp_path, script, "python3 train.py")
    with pytest.raises(OutcomeReported) as reported:
        program.train(job)
    assert reported.value.exit_code == 3
