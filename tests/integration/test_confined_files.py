"""Files the API serves from a job are the job's own: links a kernel plants are never followed.

The test acts as a kernel: once a job has ended, it plants symbolic links in the job's folder
(where a kernel writes) pointing at a host file, and asks the API for each kind of file.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from tests.conftest import TINY_KERNEL

from vlad.devtools.platform_process import Api, RunningPlatform

pytestmark = pytest.mark.broker
HOST_FILE = "/etc/passwd"
HOST_TEXT = Path(HOST_FILE).read_text()[:20]


@pytest.fixture(scope="module")
def host_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("host") / "host.json"
    path.write_text(json.dumps({"host": "secret of the host"}))
    return path


@pytest.fixture(scope="module")
def jobs(project_api: Api, platform: RunningPlatform) -> dict[str, Path]:
    """A finished training job and a finished validation of its model (the tiny kernel), in a
    project of this module's own."""
    api = project_api
    existing = api.ok("GET", "/kernels", params={"name": "tiny"})
    kernel = existing[0] if existing else api.ok("POST", "/kernels", json={"path": str(TINY_KERNEL)})
    model = api.ok(
        "POST",
        "/models",
        json={"kernel": kernel["id"], "training_datasets": ["digits"], "hyperparameters": {"steps": 2}},
    )
    assert api.wait_job(model["id"])["status"] == "done"
    validation = api.ok(
        "POST", f"/models/{model['id']}/validations", json={"datasets": ["digits"], "kernel": kernel["id"]}
    )
    api.wait_for(f"/validations/{validation['id']}", lambda v: v["status"] not in ("waiting", "training"))
    jobs_dir = platform.data_dir / "jobs"
    return {"model": jobs_dir / model["id"], "validation": jobs_dir / validation["id"]}


def plant(path: Path, target: str | Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.symlink_to(target)


def test_staged_dataset_images_are_served_and_read_only(project_api: Api, jobs: dict[str, Path]):
    job = jobs["model"]
    image = next((job / "dataset" / "train").rglob("*.png"))
    assert stat.S_IMODE(image.stat().st_mode) == 0o444 and not image.is_symlink()
    relative = image.relative_to(job / "dataset").as_posix()
    response = project_api.get(f"/jobs/{job.name}/dataset/{relative}")
    assert response.status_code == 200 and response.content == image.read_bytes()
    assert response.headers["content-type"] == "image/png"


@pytest.mark.parametrize("link", ["train/leak.png", "train/0/leak.png"])
def test_a_dataset_image_that_is_a_link_is_not_served(project_api: Api, jobs: dict[str, Path], link: str):
    job = jobs["model"]
    plant(job / "dataset" / link, HOST_FILE)
    response = project_api.get(f"/jobs/{job.name}/dataset/{link}")
    assert response.status_code == 404 and HOST_TEXT not in response.text


def test_a_dataset_folder_that_is_a_link_is_not_followed(
    project_api: Api, jobs: dict[str, Path], host_json: Path
):
    job = jobs["model"]
    (host_json.parent / "inside.png").write_bytes(b"\x89PNG host")
    plant(job / "dataset" / "escape", host_json.parent)
    response = project_api.get(f"/jobs/{job.name}/dataset/escape/inside.png")
    assert response.status_code == 404 and "host" not in response.text


def test_a_metric_file_that_is_a_link_is_no_graph(project_api: Api, jobs: dict[str, Path]):
    job = jobs["model"]
    plant(job / "output" / "save" / "metrics" / "x.csv", HOST_FILE)
    assert "x" not in project_api.ok("GET", f"/jobs/{job.name}/graphs")
    response = project_api.get(f"/jobs/{job.name}/graphs/x")
    assert response.status_code == 404 and HOST_TEXT not in response.text
    assert HOST_TEXT not in project_api.get(f"/jobs/{job.name}/metrics").text


def test_a_log_that_is_a_link_is_not_served(project_api: Api, jobs: dict[str, Path]):
    job = jobs["model"]
    log = job / "kernel.log"
    with log.open("a") as out:
        out.write("the job's own line\n")
    log.rename(job / "kernel.log.real")
    try:
        plant(log, HOST_FILE)
        response = project_api.get(f"/jobs/{job.name}/logs")
        assert response.status_code == 200 and HOST_TEXT not in response.text
    finally:
        log.unlink()
        (job / "kernel.log.real").rename(log)
    assert "the job's own line" in project_api.get(f"/jobs/{job.name}/logs").text


def test_a_settings_file_that_is_a_link_is_not_served(
    project_api: Api, jobs: dict[str, Path], host_json: Path
):
    job = jobs["model"]
    real = job / "model.json.real"
    (job / "model.json").rename(real)
    try:
        plant(job / "model.json", host_json)
        files = project_api.ok("GET", f"/jobs/{job.name}/settings")
        assert "model.json" not in files and "vlad_training.json" in files
        response = project_api.get(f"/jobs/{job.name}/settings/model.json")
        assert response.status_code == 404 and "secret of the host" not in response.text
    finally:
        (job / "model.json").unlink()
        real.rename(job / "model.json")


def test_validation_results_that_are_a_link_are_not_served(
    project_api: Api, jobs: dict[str, Path], host_json: Path
):
    job = jobs["validation"]
    plant(job / "output" / "validation_result.json", host_json)
    response = project_api.get(f"/validations/{job.name}/results")
    assert response.status_code == 404 and "secret of the host" not in response.text
    assert "secret of the host" not in project_api.get(f"/validations/{job.name}").text
