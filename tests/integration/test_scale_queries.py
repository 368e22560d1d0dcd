"""Fast at scale (issue 12): final metrics kept when a run ends, graphs thinned on the server
with the whole file still downloadable. The app runs in this process on a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.integration.inprocess import LocalApi, local_api

from vlad.server.models import Job, Model
from vlad.server.services import final_metrics

HOST_FILE = "/etc/passwd"
HOST_TEXT = Path(HOST_FILE).read_text()[:20]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    with local_api(tmp_path_factory.mktemp("scale")) as running:
        yield running


def metrics(api: LocalApi, job_id: str) -> Path:
    folder = api.platform.settings.jobs_dir / job_id / "output" / "save" / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def set_status(api: LocalApi, job_ids: list[str], status: str) -> None:
    with api.platform.db.session() as session:
        for job in session.scalars(select(Job).where(Job.id.in_(job_ids))):
            job.status = status


def stored(api: LocalApi, model_id: str) -> dict | None:
    with api.platform.db.session() as session:
        return session.get(Model, model_id).final_metrics  # type: ignore[union-attr]


def experiment(api: LocalApi, runs: int) -> tuple[str, list[str]]:
    body = {"name": f"e{runs}", "base": {"training_datasets": ["tiny-data"]}, "runs": [{}] * runs}
    created = api.request("POST", "/experiments", json=body)
    assert created.status_code == 201, created.text
    return created.json()["id"], [r["model"]["id"] for r in created.json()["runs"]]


def test_final_metrics_are_stored_when_a_run_ends_and_shown_from_there(api: LocalApi):
    experiment_id, (ended, running) = experiment(api, 2)
    for job_id in (ended, running):
        (metrics(api, job_id) / "loss.csv").write_text("step,loss\n1,0.5\n2,0.25\n")
    set_status(api, [ended], "done")
    set_status(api, [running], "training")
    final_metrics.record(api.platform.db, [ended, running, "model-gone"])
    assert stored(api, ended) == {"loss.loss": 0.25}
    assert stored(api, running) is None  # still going: its files are read

    # Files changed after the end (a link planted, a row added) change nothing shown.
    for job_id in (ended, running):
        with (metrics(api, job_id) / "loss.csv").open("a") as f:
            f.write("3,0.125\n")
    (metrics(api, ended) / "accuracy.csv").symlink_to(HOST_FILE)
    shown = api.request("GET", f"/experiments/{experiment_id}").json()["runs"]
    assert {r["model"]["id"]: r["final_metrics"] for r in shown} == {
        ended: {"loss.loss": 0.25},
        running: {"loss.loss": 0.125},
    }
    assert api.request("GET", f"/jobs/{ended}/metrics").json() == {"loss.loss": 0.25}
    assert api.request("GET", f"/jobs/{running}/metrics").json() == {"loss.loss": 0.125}


def test_a_run_stored_before_is_read_from_its_files_and_a_bad_job_stops_no_other(
    api: LocalApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    _experiment_id, (old, gone, broken, fine) = experiment(api, 4)
    for job_id, f1 in ((old, 0.75), (broken, 0.5), (fine, 0.25)):
        (metrics(api, job_id) / "f1.csv").write_text(f"epoch,f1\n1,{f1}\n")
    set_status(api, [old, gone, broken, fine], "failed")
    assert api.request("GET", f"/jobs/{old}/metrics").json() == {"f1.f1": 0.75}  # never stored

    read = final_metrics.graphs.final_metrics

    def unreadable(path: str) -> dict[str, float]:
        if broken in str(path):
            raise PermissionError(path)
        return read(path)

    monkeypatch.setattr(final_metrics.graphs, "final_metrics", unreadable)
    final_metrics.record(api.platform.db, [gone, broken, fine])
    assert stored(api, gone) is None and stored(api, broken) is None and stored(api, old) is None
    assert stored(api, fine) == {"f1.f1": 0.25}
    assert broken in caplog.text


def test_max_points_thins_a_long_graph_and_is_checked(api: LocalApi):
    model = api.request("POST", "/models", json={"training_datasets": ["tiny-data"]}).json()["id"]
    rows = "".join(f"{i}, {1 / i}\n" for i in range(1, 20_001))
    (metrics(api, model) / "loss.csv").write_text("step, loss\n" + rows)
    graph = api.request("GET", f"/jobs/{model}/graphs/loss", params={"max_points": 2000}).json()
    assert graph["downsampled"] and graph["total_points"] == 20_000 and len(graph["x"]) <= 2000
    assert graph["x"][0] == 1 and graph["x"][-1] == 20_000
    whole = api.request("GET", f"/jobs/{model}/graphs/loss").json()
    assert not whole["downsampled"] and len(whole["x"]) == 20_000 and whole["offset"] == graph["offset"]
    for bad in ("1", "0", "100001", "many"):
        refused = api.request("GET", f"/jobs/{model}/graphs/loss", params={"max_points": bad})
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["max_points"]
        assert "max_points" in refused.json()["detail"]


def test_the_whole_file_is_downloadable_and_a_link_is_not(api: LocalApi):
    model = api.request("POST", "/models", json={"training_datasets": ["tiny-data"]}).json()["id"]
    folder = metrics(api, model)
    content = b"step,loss\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(50_000))
    (folder / "loss.csv").write_bytes(content)
    response = api.request("GET", f"/jobs/{model}/graphs/loss/download")
    assert response.status_code == 200 and response.content == content
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "loss.csv" in response.headers["content-disposition"]

    (folder / "leak.csv").symlink_to(HOST_FILE)
    leak = api.request("GET", f"/jobs/{model}/graphs/leak/download")
    assert leak.status_code == 404 and HOST_TEXT not in leak.text
    assert api.request("GET", f"/jobs/{model}/graphs/nothing/download").status_code == 404


def test_a_metrics_folder_that_is_a_link_is_not_followed_for_download(api: LocalApi, tmp_path: Path):
    model = api.request("POST", "/models", json={"training_datasets": ["tiny-data"]}).json()["id"]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("step,secret\n1,42\n")
    save = api.platform.settings.jobs_dir / model / "output" / "save"
    save.mkdir(parents=True)
    (save / "metrics").symlink_to(outside)
    response = api.request("GET", f"/jobs/{model}/graphs/secret/download")
    assert response.status_code == 404 and "42" not in response.text
