"""The reference image-classification kernel: its manifest and its training core, no broker."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from jsonschema import Draft202012Validator

from vlad.demo import write_digits_dataset

KERNEL_DIR = Path(__file__).resolve().parents[2] / "kernels" / "image_classification"
sys.path.insert(0, str(KERNEL_DIR))

from image_classification import data, models, train, validate  # noqa: E402
from image_classification.errors import InputError  # noqa: E402
from image_classification.settings import Settings  # noqa: E402

MANIFEST = json.loads((KERNEL_DIR / "kernel.json").read_text())
# Small enough to train in a couple of seconds, big enough to learn the digits.
FAST = {
    "training_type": "classification",
    "model_type": "small_cnn",
    "epochs": 3,
    "batch_size": 64,
    "learning_rate": 0.01,
    "image_size": 8,
    "channels": 1,
    "width": 8,
}


@pytest.fixture(scope="module")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data") / "digits"
    write_digits_dataset(root)
    return root


@pytest.fixture(scope="module")
def trained(digits: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list]:
    out = tmp_path_factory.mktemp("model")
    calls: list[tuple[str, Any, Any]] = []
    summary = train.fit(
        digits / "train",
        digits / "val",
        FAST,
        out,
        on_step=lambda s, t: calls.append(("step", s, t)),
        on_epoch=lambda e, m: calls.append(("epoch", e, m)),
    )
    return out, summary, calls


# -- the manifest ------------------------------------------------------------------------------
def test_manifest_defaults_satisfy_its_schema() -> None:
    from vlad.contract import KernelManifest

    manifest = KernelManifest.load(KERNEL_DIR)
    assert manifest.default_model_type == "small_cnn"
    assert set(manifest.model_types) == set(models.MODEL_TYPES)
    validator = Draft202012Validator(MANIFEST["schema"])
    for name, defaults in MANIFEST["model_types"].items():
        assert list(validator.iter_errors(defaults)) == [], name
        assert defaults["model_type"] == name


@pytest.mark.parametrize(
    "bad",
    [
        {"epochs": 0},
        {"learning_rate": 0},
        {"optimizer": "rmsprop"},
        {"image_size": 2},
        {"surprise": 1},
        {"training_type": "detection"},
    ],
)
def test_schema_refuses_bad_values(bad: dict) -> None:
    body = {**MANIFEST["model_types"]["small_cnn"], **bad}
    assert list(Draft202012Validator(MANIFEST["schema"]).iter_errors(body))


def test_schema_defaults_are_the_code_defaults() -> None:
    properties = MANIFEST["schema"]["properties"]
    assert set(properties) - {"training_type"} == set(Settings().as_dict())
    for name, spec in properties.items():
        if "default" in spec:
            assert getattr(Settings(), name) == spec["default"], name


@pytest.mark.parametrize("model_type", sorted(models.MODEL_TYPES))
@pytest.mark.parametrize("image_size", [4, 13])
def test_every_model_type_classifies_any_size(model_type: str, image_size: int) -> None:
    meta = {
        "model_type": model_type,
        "channels": 3,
        "image_size": image_size,
        "classes": list("abc"),
        "width": models.default_width(model_type),
    }
    model = models.build_model(meta).eval()
    assert model(torch.zeros(2, 3, image_size, image_size)).shape == (2, 3)


# -- training ----------------------------------------------------------------------------------
def test_training_learns_and_reports_every_step(trained: tuple[Path, dict, list]) -> None:
    out, summary, calls = trained
    steps = [(s, t) for kind, s, t in calls if kind == "step"]
    epochs = [(e, m) for kind, e, m in calls if kind == "epoch"]
    assert [s for s, _ in steps] == list(range(1, len(steps) + 1))
    assert {t for _, t in steps} == {len(steps)} and len(steps) == summary["steps"]
    assert [e for e, _ in epochs] == [1, 2, 3]
    assert set(epochs[0][1]) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    assert summary["first_batch_loss"] == pytest.approx(2.3, abs=0.3)  # ln(10): a fresh model
    assert summary["final_train_loss"] < 1.0 and summary["val_accuracy"] > 0.7
    assert summary["classes"] == [str(d) for d in range(10)] and summary["epochs"] == 3
    assert json.loads((out / "model.json").read_text()) == FAST
    assert json.loads((out / train.SUMMARY_FILE).read_text()) == summary


def test_saved_model_loads_with_its_meta(trained: tuple[Path, dict, list]) -> None:
    model, meta = models.load_model(trained[0])
    assert (meta["model_type"], meta["image_size"], meta["channels"]) == ("small_cnn", 8, 1)
    assert meta["classes"] == trained[1]["classes"]
    assert model.eval()(torch.zeros(1, 1, 8, 8)).shape == (1, 10)


def test_fine_tuning_starts_from_the_base_weights(
    digits: Path, trained: tuple[Path, dict, list], tmp_path: Path
) -> None:
    base, fresh, _ = trained
    tuned = train.fit(digits / "train", None, {**FAST, "epochs": 1}, tmp_path, base_model=base)
    assert tuned["first_batch_loss"] < fresh["first_batch_loss"] / 3


@pytest.mark.parametrize(
    "change, named",
    [({"image_size": 12}, "image_size"), ({"model_type": "mlp", "width": 8}, "model_type")],
)
def test_fine_tuning_refuses_a_base_that_does_not_fit(
    digits: Path, trained, tmp_path: Path, change: dict, named: str
) -> None:
    with pytest.raises(InputError, match=f"base model does not fit.*{named}: base model"):
        train.fit(digits / "train", None, {**FAST, **change}, tmp_path, base_model=trained[0])


def test_fine_tuning_from_a_folder_without_model(digits: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No model file at .*model.pt"):
        train.fit(digits / "train", None, FAST, tmp_path / "out", base_model=tmp_path)


def test_without_val_folder_a_share_of_train_is_held_out() -> None:
    items = [(Path(f"{label}/{i}.png"), label) for label in "ab" for i in range(10)]
    kept, held = data.hold_out(items, 0.2, seed=0)
    assert sorted(kept + held) == sorted(items)
    assert sorted(label for _, label in held) == ["a", "a", "b", "b"]


def test_a_stop_saves_the_model_so_far(digits: Path, tmp_path: Path) -> None:
    from vlad.kernel import StopRequested

    def stop_at_3(step: int, total: int) -> None:
        if step == 3:
            raise StopRequested("SIGTERM")

    with pytest.raises(StopRequested):
        train.fit(digits / "train", None, FAST, tmp_path, on_step=stop_at_3)
    assert models.load_model(tmp_path)[1]["stopped"] is True


# -- the dataset layout ------------------------------------------------------------------------
def test_missing_train_folder_names_the_expected_layout(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    with pytest.raises(InputError, match=r"no 'train' folder.*train/<label>/<image>.*\['images'\]"):
        data.require_split(tmp_path, "train")


def test_images_without_label_folders_are_refused(tmp_path: Path, digits: Path) -> None:
    for image in sorted((digits / "val" / "3").iterdir())[:2]:
        (tmp_path / image.name).write_bytes(image.read_bytes())
    with pytest.raises(InputError, match="expected one folder per label.*images directly in it"):
        data.labeled_items(tmp_path)


def test_an_unreadable_image_is_named(tmp_path: Path) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "broken.png").write_text("not a png")
    with pytest.raises(InputError, match="Cannot read image .*broken.png"):
        data.load_images([tmp_path / "cat" / "broken.png"], 8, 3)


# -- validation and inference ------------------------------------------------------------------
def test_validation_scores_every_image_of_every_split(digits: Path, trained, tmp_path: Path) -> None:
    result = validate.evaluate(trained[0], digits, tmp_path)
    matrix = result["confusion_matrix"]["matrix"]
    assert result["count"] == 1797 == sum(map(sum, matrix))
    assert result["accuracy"] == pytest.approx(sum(matrix[i][i] for i in range(10)) / 1797)
    assert result["accuracy"] > 0.7
    assert sum(c["support"] for c in result["per_class"].values()) == 1797
    assert json.loads((tmp_path / validate.RESULT_FILE).read_text()) == result
    rows = list(validate.metric_rows(result))
    assert [(name, x) for name, x, _ in rows[:2]] == [("per_class", 0), ("per_class", 1)]
    assert rows[10] == (
        "confusion_matrix",
        0,
        dict(zip(result["confusion_matrix"]["labels"], matrix[0], strict=True)),
    )


def test_inference_labels_every_image(digits: Path, trained, tmp_path: Path) -> None:
    body = validate.infer(trained[0], digits / "val", tmp_path)
    assert body["format"] == "vlad-classification-annotations/1"
    first = body["annotations"][0]
    assert (digits / "val" / first["image"]).is_file() and first["label"] in body["classes"]
    assert 0.0 < first["score"] <= 1.0
    with (tmp_path / "annotations.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(body["annotations"]) == len(list((digits / "val").rglob("*.png")))
    right = sum(a["image"].split("/")[0] == a["label"] for a in body["annotations"])
    assert right / len(rows) > 0.7


# -- the SDK adapter (__main__), with a publisher that records instead of sending ----------------
class RecordingPublisher:
    stop_requested = False

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def publish(self, message: Any) -> None:
        self.messages.append(message)


def sdk_job(root: Path, dataset: Path, hyperparameters: dict, **fields: Any):
    from vlad.contract import TrainingConfig
    from vlad.kernel import Job

    config = TrainingConfig.model_validate(
        {
            "vlad_training_config_version": "1.0",
            "operation": "training",
            "model_id": "m-1",
            "dataset_path": str(dataset),
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
    return Job(config, hyperparameters, RecordingPublisher())


def test_adapter_trains_then_validates_through_the_sdk(digits: Path, tmp_path: Path) -> None:
    from image_classification import __main__ as kernel

    job = sdk_job(tmp_path / "t", digits, {**FAST, "epochs": 1})
    kernel.train(job)
    job.close()
    progress = job._publisher.messages
    assert [m.step for m in progress] == list(range(1, len(progress) + 1))
    assert progress[-1].percentage == 100.0
    assert (job.metrics_dir / "loss.csv").read_text().splitlines()[0] == "epoch, train_loss, val_loss"
    assert len((job.metrics_dir / "accuracy.csv").read_text().splitlines()) == 2

    check = sdk_job(
        tmp_path / "v",
        digits,
        {},
        operation="validation",
        validation_id="v-1",
        base_model_path=str(job.model_write_path),
    )
    kernel.validate(check)
    check.close()
    assert len((check.metrics_dir / "per_class.csv").read_text().splitlines()) == 11
    header = (check.metrics_dir / "confusion_matrix.csv").read_text().splitlines()[0]
    assert header == "class_index, " + ", ".join(str(d) for d in range(10))

    label = sdk_job(
        tmp_path / "i",
        digits / "val",
        {},
        operation="validation",
        validation_id="v-2",
        validation_type="inference",
        base_model_path=str(job.model_write_path),
    )
    kernel.validate(label)
    assert (label.model_write_path / "annotations.json").is_file()


def test_adapter_shows_input_errors_to_the_user(tmp_path: Path) -> None:
    from image_classification import __main__ as kernel
    from vlad.kernel import KernelError

    (tmp_path / "dataset" / "val").mkdir(parents=True)
    with pytest.raises(KernelError, match="no 'train' folder"):
        kernel.train(sdk_job(tmp_path, tmp_path / "dataset", FAST))
    with pytest.raises(KernelError, match="needs the trained model"):
        kernel.validate(
            sdk_job(tmp_path, tmp_path / "dataset", {}, operation="validation", validation_id="v-1")
        )


@pytest.mark.parametrize(("omp", "expected"), [("1", 1), ("0", 1), ("many", None), (None, None)])
def test_the_thread_count_keeps_to_the_cpus_the_platform_gave(
    monkeypatch: pytest.MonkeyPatch, omp: str | None, expected: int | None
) -> None:
    from image_classification import device

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    unbounded = device.cpu_budget()
    if omp is not None:
        monkeypatch.setenv("OMP_NUM_THREADS", omp)
    assert device.cpu_budget() == (expected if expected is not None else unbounded)


# -- checkpoints and resume ----------------------------------------------------------------------


def test_a_run_killed_in_epoch_4_resumes_from_epoch_3_and_ends_as_an_uninterrupted_one(
    digits: Path, tmp_path: Path
) -> None:
    six = {**FAST, "epochs": 6, "lr_schedule": "cosine"}
    whole = train.fit(digits / "train", digits / "val", six, tmp_path / "whole")

    job = sdk_job(tmp_path / "job", digits, six)
    epochs_run: list[int] = []

    def crash_in_epoch_4(step: int, total: int) -> None:
        if step == total * 4 // 6 - 2:  # inside epoch 4
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        train.fit(
            digits / "train",
            digits / "val",
            six,
            job.model_write_path,
            on_step=crash_in_epoch_4,
            on_epoch=lambda e, m: epochs_run.append(e),
            checkpoint=job.checkpoint,
        )
    assert sorted(p.name for p in job.config.checkpoints_dir.iterdir()) == ["2", "3"]
    resumed = train.fit(
        digits / "train",
        digits / "val",
        six,
        job.model_write_path,
        on_epoch=lambda e, m: epochs_run.append(e),
        checkpoint=job.checkpoint,
        resume=job.config.checkpoints_dir / "3",
    )
    assert epochs_run == [1, 2, 3, 4, 5, 6]  # six epochs in all, not nine
    assert resumed["resumed_from_epoch"] == 3
    assert resumed["steps"] == whole["steps"]
    assert resumed["val_accuracy"] == pytest.approx(whole["val_accuracy"], abs=0.01)
    assert resumed["final_train_loss"] == pytest.approx(whole["final_train_loss"], rel=1e-3)


def test_a_checkpoint_holds_what_training_needs_to_go_on(digits: Path, tmp_path: Path) -> None:
    job = sdk_job(tmp_path, digits, FAST)
    train.fit(digits / "train", digits / "val", FAST, job.model_write_path, checkpoint=job.checkpoint)
    state = torch.load(job.config.checkpoints_dir / "2" / train.STATE_FILE, weights_only=False)
    assert {"model", "optimizer", "scheduler", "generator", "torch_rng", "epoch", "step"} <= set(state)
    assert state["epoch"] == 2
    # No checkpoint after the last epoch: the model itself is the result.
    assert not (job.config.checkpoints_dir / "3").exists()
