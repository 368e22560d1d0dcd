"""The SDK's checkpoints: whole or absent, the newest kept, the one to resume from; and
metric files that a resumed job goes on writing."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlad.contract import TrainingConfig
from vlad.contract.training_config import checkpoint_step
from vlad.kernel import Job, KernelError


class Quiet:
    def publish(self, message: object) -> None:
        pass


def make_job(root: Path, **fields: object) -> Job:
    config = TrainingConfig.model_validate(
        {
            "vlad_training_config_version": "1.0",
            "operation": "training",
            "model_id": "m-1",
            "dataset_path": str(root / "dataset"),
            "temp_path": str(root / "temp"),
            "model_write_path": str(root / "out"),
            "message_host": "localhost",
            "message_port": 5672,
            "message_id": "guest",
            "message_pw": "guest",
            "queue_name": "q",
            "training_config_file": str(root / "model.json"),
            "project_key": "pk",
            **fields,
        }
    )
    return Job(config, {}, Quiet())  # type: ignore[arg-type]


def steps(job: Job) -> list[str]:
    return sorted(p.name for p in job.config.checkpoints_dir.iterdir())


def test_a_checkpoint_appears_whole_under_its_step_and_the_newest_are_kept(tmp_path: Path) -> None:
    job = make_job(tmp_path)
    job.keep_checkpoints = 2
    for step in (1, 2, 3):
        with job.checkpoint(step) as folder:
            assert not (job.config.checkpoints_dir / str(step)).exists()  # not before it is whole
            (folder / "state.txt").write_text(f"epoch {step}")
    assert steps(job) == ["2", "3"]
    assert (job.config.checkpoints_dir / "3" / "state.txt").read_text() == "epoch 3"


def test_a_checkpoint_whose_block_fails_leaves_nothing(tmp_path: Path) -> None:
    job = make_job(tmp_path)
    with job.checkpoint(1) as folder:
        (folder / "state.txt").write_text("one")
    with pytest.raises(RuntimeError), job.checkpoint(2) as folder:
        (folder / "state.txt").write_text("half")
        raise RuntimeError("disk full")
    assert steps(job) == ["1"]


def test_the_same_step_again_replaces_it(tmp_path: Path) -> None:
    job = make_job(tmp_path)
    for text in ("first", "second"):
        with job.checkpoint(4) as folder:
            (folder / "state.txt").write_text(text)
    assert (job.config.checkpoints_dir / "4" / "state.txt").read_text() == "second"


@pytest.mark.parametrize("step", [-1, 1.5, "3", 2**63])
def test_a_checkpoint_step_must_be_a_step(tmp_path: Path, step: object) -> None:
    with pytest.raises(KernelError, match="step must"), make_job(tmp_path).checkpoint(step):  # type: ignore[arg-type]
        pass


def test_resume_checkpoint_is_the_platforms_resume_path(tmp_path: Path) -> None:
    assert make_job(tmp_path).resume_checkpoint is None
    folder = tmp_path / "out" / "save" / "checkpoints" / "3"
    folder.mkdir(parents=True)
    assert make_job(tmp_path, resume_path=str(folder)).resume_checkpoint == folder
    # A resume_path that is not there (the checkpoint was lost) means starting over.
    assert make_job(tmp_path, resume_path=str(tmp_path / "gone")).resume_checkpoint is None


def test_only_step_named_folders_are_checkpoints() -> None:
    assert checkpoint_step("12") == 12
    assert [checkpoint_step(n) for n in (".partial-3-77", "3.tmp", "-1", "٣", "", "1" * 20)] == [None] * 6


def test_a_resumed_job_appends_to_its_graph_and_drops_a_row_cut_short(tmp_path: Path) -> None:
    first = make_job(tmp_path)
    first.log_metrics("loss", 1, x_name="epoch", train_loss=0.9)
    first.log_metrics("loss", 2, x_name="epoch", train_loss=0.7)
    first.close()
    path = first.metrics_dir / "loss.csv"
    with path.open("a") as f:
        f.write("3, 0.6")  # killed in the middle of a row
    again = make_job(tmp_path)
    again.log_metrics("loss", 3, x_name="epoch", train_loss=0.5)
    again.close()
    assert path.read_text().splitlines() == ["epoch, train_loss", "1, 0.9", "2, 0.7", "3, 0.5"]


def test_a_graph_with_other_columns_starts_over(tmp_path: Path) -> None:
    first = make_job(tmp_path)
    first.log_metrics("loss", 1, train_loss=0.9)
    first.close()
    again = make_job(tmp_path)
    again.log_metrics("loss", 1, train_loss=0.8, val_loss=0.9)
    again.close()
    assert (again.metrics_dir / "loss.csv").read_text().splitlines() == [
        "step, train_loss, val_loss",
        "1, 0.8, 0.9",
    ]
