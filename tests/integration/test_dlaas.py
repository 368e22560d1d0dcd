"""Issue acceptance for the DLaaS path: a real S3 server (SeaweedFS), a real broker, `vlad up`.

The example model definition (examples/dlaas) trains through `vlad train`; its model and
log reach the results bucket; list/show/delete print what the seed shows; bad inputs are
refused with nothing created; an s3:// dataset feeds a normal job of the reference kernel.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.integration.s3 import make_bucket, s3_server, store

from vlad.demo.digits import write_digits_dataset
from vlad.devtools.platform_process import Api, RunningPlatform
from vlad.devtools.s3server import SeaweedS3
from vlad.storage import S3Location

pytestmark = pytest.mark.broker
REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "dlaas"
DATA, DATASETS, RESULTS = "digits-data", "datasets", "dlaas-results"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with s3_server(tmp_path_factory.mktemp("s3")) as server:
        yield server


@pytest.fixture(scope="module")
def buckets(s3: SeaweedS3, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The digits at the root of one bucket (DLaaS data) and under digits/ of another (a dataset)."""
    digits = tmp_path_factory.mktemp("demo") / "digits"
    write_digits_dataset(digits)
    for bucket in (DATA, DATASETS, RESULTS, "tiny-data"):
        make_bucket(s3, bucket)
    store(s3).upload_folder(digits, S3Location(DATA))
    store(s3).upload_folder(digits, S3Location(DATASETS, "digits"))
    store(s3).client().put_object(Bucket="tiny-data", Key="numbers.txt", Body=b"1 2 3\n")
    return {"data": DATA, "datasets": DATASETS, "results": RESULTS}


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, broker_url: str, s3: SeaweedS3
) -> Iterator[RunningPlatform]:
    running = RunningPlatform(
        tmp_path_factory.mktemp("dlaas-platform"), broker_url, extra_env=s3.env()
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(platform: RunningPlatform) -> Iterator[Api]:
    with platform.client() as client:
        yield client


def vlad(platform: RunningPlatform, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The `vlad` command, as a person would run it against this platform."""
    return subprocess.run(
        [sys.executable, "-m", "vlad.cli.main", *args],
        env={**platform.env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manifest(
    s3: SeaweedS3, tmp: Path, data: str = DATA, command: str | None = None, **connection: str
) -> Path:
    """The example's manifest, pointed at the test's server (and changed as asked)."""
    body = yaml.safe_load((EXAMPLE / "manifest.yaml").read_text())
    keys = {
        "endpoint_url": s3.endpoint_url,
        "aws_access_key_id": s3.access_key_id,
        "aws_secret_access_key": s3.secret_access_key,
    }
    body["training_data_reference"]["connection"] = {**keys, **connection}
    body["training_data_reference"]["source"]["bucket"] = data
    body["training_results_reference"]["connection"] = keys
    body["training_results_reference"]["target"]["bucket"] = RESULTS
    if command:
        body["model_definition"]["execution"]["command"] = command
    path = tmp / f"manifest-{time.monotonic_ns()}.yaml"
    path.write_text(yaml.safe_dump(body))
    return path


def zipped(tmp: Path, files: dict[str, str]) -> Path:
    path = tmp / f"model-{time.monotonic_ns()}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def submit(api: Api, archive: Path, manifest_path: Path) -> dict[str, Any]:
    files = {
        "model_definition": (archive.name, archive.read_bytes()),
        "manifest": (manifest_path.name, manifest_path.read_bytes()),
    }
    return api.ok("POST", "/dlaas/models", files=files)


def results_in_bucket(s3: SeaweedS3, model_id: str) -> dict[str, int]:
    return {o.key: o.size for o in store(s3).list(S3Location(RESULTS, model_id))}


def wait_results(api: Api, model_id: str) -> dict[str, Any]:
    return api.wait_for(
        f"/dlaas/models/{model_id}", lambda b: b["results"]["status"] in ("uploaded", "failed")
    )


def read_object(s3: SeaweedS3, key: str) -> str:
    return store(s3).client().get_object(Bucket=RESULTS, Key=key)["Body"].read().decode()


@pytest.fixture(scope="module")
def example(
    platform: RunningPlatform, s3: SeaweedS3, buckets: dict, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """The example, trained end to end with `vlad train --follow`."""
    tmp = tmp_path_factory.mktemp("example")
    archive = zipped(tmp, {"train.py": (EXAMPLE / "train.py").read_text()})
    done = vlad(platform, "train", str(archive), str(manifest(s3, tmp)), "--follow")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["Starting to train ...", "OK"], done.stdout
    assert (
        lines[2].startswith("Model-ID is 'training-") and len(lines[2]) == len("Model-ID is 'training-'") + 8
    )
    return {"id": lines[2].split("'")[1], "stdout": done.stdout}


def test_example_trains_and_its_model_and_log_reach_the_results_bucket(
    api: Api, s3: SeaweedS3, example: dict
):
    details = wait_results(api, example["id"])
    assert details["state"] == "done" and details["results"]["status"] == "uploaded", details
    assert f"Results: s3://{RESULTS}/{example['id']}/" in example["stdout"]
    keys = results_in_bucket(s3, example["id"])
    prefix = example["id"] + "/"
    assert {prefix + name for name in ("model.pt", "labels.json", "training-log.txt")} <= set(keys)
    assert prefix + "save/metrics/accuracy.csv" in keys
    log = read_object(s3, prefix + "training-log.txt")
    assert "downloaded bucket digits-data: 1798/1798 files" in log and "epoch 10/10" in log
    assert "aws_secret" not in log and s3.secret_access_key not in log
    # One road: the same job and model as any other, graphs included.
    model = api.ok("GET", f"/models/{example['id']}")
    assert model["origin"] == "dlaas" and model["kernel"] == "command:1.0.0" and model["status"] == "done"
    assert api.ok("GET", f"/jobs/{example['id']}/metrics")["accuracy.val_accuracy"] > 0.8
    settings = api.ok("GET", f"/jobs/{example['id']}/settings")
    assert s3.secret_access_key not in str(settings) and "dlaas-connections" not in str(settings)


def test_list_and_show_print_what_the_seed_shows(platform: RunningPlatform, api: Api, example: dict):
    listed = vlad(platform, "list", "trained-models")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    count = len(api.ok("GET", "/dlaas/models"))
    assert lines[0] == "Fetching the list of trained models ..."
    assert lines[1].split() == ["#", "Name", "Model-ID", "Status", "Submitted-at"]
    row = next(line.split() for line in lines if example["id"] in line)
    assert row[1:4] == ["digits-mlp", example["id"], "done"] and row[4].endswith("Z")
    assert f"{count} record{'s' * (count != 1)} found." in lines and lines[-2:] == [
        "OK",
        "List all trained-models successful",
    ]
    shown = vlad(platform, "show", "trained-models", example["id"])
    assert shown.returncode == 0, shown.stderr
    fields = {
        line.split()[0]: line.split(None, 1)[1] for line in shown.stdout.splitlines()[1:] if "  " in line
    }
    assert (
        fields["Model-ID"] == example["id"] and fields["Name"] == "digits-mlp" and fields["State"] == "done"
    )
    assert fields["URL"] == f"/api/v1/dlaas/models/{example['id']}"
    assert fields["Submitted-at"].endswith("Z") and fields["Framework"] == "pytorch 2.13"
    assert shown.stdout.splitlines()[-2:] == ["OK", "Show trained-models details successful"]


def test_a_failing_script_fails_with_its_output_and_still_uploads_its_log(
    api: Api, s3: SeaweedS3, buckets: dict, tmp_path: Path
):
    script = "for i in range(25):\n    print('working', i)\nraise RuntimeError('the loss became NaN')\n"
    started = submit(
        api, zipped(tmp_path, {"fail.py": script}), manifest(s3, tmp_path, "tiny-data", "python3 fail.py")
    )
    failed = api.wait_job(started["model_id"])
    assert failed["status"] == "failed"
    message = failed["job"]["message"]
    assert "exited with code 1" in message and "RuntimeError: the loss became NaN" in message
    assert "working 24" in message and "working 1\n" not in message
    details = wait_results(api, started["model_id"])
    assert details["results"]["status"] == "uploaded"
    log = read_object(s3, f"{started['model_id']}/training-log.txt")
    assert "working 24" in log and "the loss became NaN" in log


def test_a_program_using_the_sdk_reports_its_own_progress(
    api: Api, s3: SeaweedS3, buckets: dict, tmp_path: Path
):
    script = (
        "from vlad.kernel import run\n\n"
        "def train(job):\n"
        "    for step in range(1, 8):\n"
        "        job.progress(step=step, total=7)\n"
        "    (job.model_write_path / 'model.txt').write_text('seven steps')\n\n"
        "run(train=train)\n"
    )
    before = api.ok("GET", "/ingestion").get("after_end", 0)
    started = submit(
        api, zipped(tmp_path, {"sdk.py": script}), manifest(s3, tmp_path, "tiny-data", "python3 sdk.py")
    )
    done = api.wait_job(started["model_id"])
    assert done["status"] == "done" and done["job"]["step"] == 7, done["job"]
    assert wait_results(api, started["model_id"])["results"]["status"] == "uploaded"
    assert f"{started['model_id']}/model.txt" in results_in_bucket(s3, started["model_id"])
    # The command kernel sent no training_done of its own (it would have been ignored and counted).
    assert api.ok("GET", "/ingestion").get("after_end", 0) == before


SNOOP = """import os, pathlib
print(sorted(os.environ.items()), flush=True)
key = KEY[::-1].encode()  # reversed in this file, which is in the job folder too
job = pathlib.Path(os.environ["RESULT_DIR"]).parent
for path in sorted(job.rglob("*")):
    if path.is_file() and not path.is_symlink():
        print("seen:", path.relative_to(job), flush=True)
        if key in path.read_bytes():
            print("FOUND THE KEY IN", path, flush=True)
"""


def test_a_program_sees_no_platform_secret_and_no_s3_key(
    platform: RunningPlatform, api: Api, s3: SeaweedS3, buckets: dict, tmp_path: Path
):
    """The platform's environment and the manifest's keys (the same test server's) stay out
    of the program's reach: not in its environment, not in any file of its job folder."""
    snoop = SNOOP.replace("KEY[", repr(s3.secret_access_key[::-1]) + "[")
    started = submit(
        api, zipped(tmp_path, {"snoop.py": snoop}), manifest(s3, tmp_path, "tiny-data", "python3 snoop.py")
    )
    done = api.wait_job(started["model_id"])
    assert done["status"] == "done", done["job"]["message"]
    log = api.get(f"/jobs/{started['model_id']}/logs").text
    assert "seen: dataset/numbers.txt" in log and "FOUND THE KEY" not in log
    assert "dlaas-connections" not in log and "VLAD_TRAINING_CONFIG" in log
    for secret in ("VLAD_S3_SECRET_ACCESS_KEY", "VLAD_BROKER_URL", s3.secret_access_key):
        assert secret not in log
    assert wait_results(api, started["model_id"])["results"]["status"] == "uploaded"
    assert not (platform.data_dir / "secrets" / f"{started['model_id']}.json").exists()


def test_a_stopped_job_still_uploads_its_log(api: Api, s3: SeaweedS3, buckets: dict, tmp_path: Path):
    script = "import time\nprint('started', flush=True)\ntime.sleep(120)\n"
    started = submit(
        api, zipped(tmp_path, {"slow.py": script}), manifest(s3, tmp_path, "tiny-data", "python3 slow.py")
    )
    api.wait_job(started["model_id"], statuses=("training",))
    api.ok("POST", f"/jobs/{started['model_id']}/stop")
    assert api.wait_job(started["model_id"])["status"] == "stopped"
    assert wait_results(api, started["model_id"])["results"]["status"] == "uploaded"
    assert "started" in read_object(s3, f"{started['model_id']}/training-log.txt")


def _created(platform: RunningPlatform) -> set[str]:
    return {
        p.name
        for d in ("jobs", "uploads")
        if (platform.data_dir / d).is_dir()
        for p in (platform.data_dir / d).iterdir()
    }


REFUSALS = [
    (
        "wrong secret key",
        {"connection": {"aws_secret_access_key": "wrong"}},
        "training_data_reference.connection",
        "secret access key does not match",
    ),
    (
        "unknown access key",
        {"connection": {"aws_access_key_id": "nobody"}},
        "training_data_reference.connection",
        "no such access key",
    ),
    (
        "missing data bucket",
        {"data": "no-such-bucket"},
        "training_data_reference.source.bucket",
        "bucket 'no-such-bucket' does not exist",
    ),
    ("empty data bucket", {"data": "dlaas-empty"}, "training_data_reference.source.bucket", "holds no files"),
    (
        "unknown resource",
        {"yaml": ("resource: small", "resource: huge")},
        "execution.resource",
        "medium (2 GPUs)",
    ),
    ("broken YAML", {"yaml": ("model_definition:", "model_definition: [")}, "manifest", "line 3, column"),
    ("missing command", {"yaml": ("    command:", "    commandx:")}, "execution.command", "missing"),
    (
        "script not in the zip",
        {"command": "python3 other.py"},
        "execution.command",
        "other.py is not in the .zip",
    ),
    ("not a zip", {"archive": b"\x1f\x8b\x08\x00 this is a tar.gz"}, "model_definition", "gzip"),
    ("zip-slip", {"archive": {"train.py": "1", "../../../evil.py": "2"}}, "model_definition", "'..'"),
]


@pytest.mark.parametrize(("case", "change", "field", "says"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_bad_inputs_are_refused_and_nothing_is_created(
    api: Api,
    platform: RunningPlatform,
    s3: SeaweedS3,
    buckets: dict,
    tmp_path: Path,
    case,
    change,
    field,
    says,
):
    make_bucket(s3, "dlaas-empty")
    path = manifest(
        s3, tmp_path, change.get("data", DATA), change.get("command"), **change.get("connection", {})
    )
    if "yaml" in change:
        old, new = change["yaml"]
        path.write_text(path.read_text().replace(old, new, 1))
    archive = change.get("archive", {"train.py": "print('hi')\n"})
    if isinstance(archive, bytes):
        (tmp_path / "model.zip").write_bytes(archive)
        archive_path = tmp_path / "model.zip"
    else:
        archive_path = zipped(tmp_path, archive)
    before = (api.ok("GET", "/models", params={"limit": 1})["total"], _created(platform))
    files = {
        "model_definition": ("model.zip", archive_path.read_bytes()),
        "manifest": ("manifest.yaml", path.read_bytes()),
    }
    response = api.post("/dlaas/models", files=files)
    assert response.status_code == 422, response.text
    body = response.json()
    problems = " | ".join(f"{e['field']}: {e['problem']} {e['allowed']}" for e in body["errors"])
    assert any(field in e["field"] for e in body["errors"]), problems
    assert says in problems or says in body["detail"], problems
    assert s3.secret_access_key not in response.text
    assert (api.ok("GET", "/models", params={"limit": 1})["total"], _created(platform)) == before


def test_the_cli_shows_a_refusal_and_exits_1(
    platform: RunningPlatform, s3: SeaweedS3, buckets: dict, tmp_path: Path
):
    refused = vlad(
        platform,
        "train",
        str(zipped(tmp_path, {"train.py": "1"})),
        str(manifest(s3, tmp_path, "no-such-bucket")),
    )
    assert refused.returncode == 1
    assert "bucket 'no-such-bucket' does not exist" in refused.stderr


def test_delete_forgets_the_job_but_not_the_bucket(
    platform: RunningPlatform, api: Api, s3: SeaweedS3, example: dict
):
    wait_results(api, example["id"])
    deleted = vlad(platform, "delete", "trained-models", example["id"])
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.splitlines() == [
        f"Deleting the trained model '{example['id']}' ...",
        "OK",
        "Delete trained-models successful",
    ]
    assert api.get(f"/dlaas/models/{example['id']}").status_code == 404
    assert api.get(f"/models/{example['id']}").status_code == 404
    assert example["id"] not in [m["id"] for m in api.ok("GET", "/dlaas/models")]
    deadline = time.monotonic() + 10
    while (platform.data_dir / "jobs" / example["id"]).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (platform.data_dir / "jobs" / example["id"]).exists()
    assert not (platform.data_dir / "uploads" / example["id"]).exists()
    assert f"{example['id']}/model.pt" in results_in_bucket(s3, example["id"])  # the bucket keeps it


def test_details_past_the_retention_period_drop_out_and_are_purged(
    platform: RunningPlatform, api: Api, s3: SeaweedS3, buckets: dict, tmp_path: Path
):
    started = submit(
        api,
        zipped(tmp_path, {"ok.py": "print('ok')\n"}),
        manifest(s3, tmp_path, "tiny-data", "python3 ok.py"),
    )
    model_id = started["model_id"]
    wait_results(api, model_id)
    old = (datetime.now(UTC) - timedelta(days=8)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(platform.data_dir / "vlad.db") as db:  # as if it had been submitted 8 days ago
        assert db.execute("UPDATE jobs SET created_at = ? WHERE id = ?", (old, model_id)).rowcount == 1
    assert model_id not in [m["id"] for m in api.ok("GET", "/dlaas/models")]
    assert api.get(f"/models/{model_id}").status_code == 404  # purged, not only hidden
    assert not (platform.data_dir / "jobs" / model_id).exists()
    assert f"{model_id}/training-log.txt" in results_in_bucket(s3, model_id)


def test_an_s3_dataset_feeds_a_job_of_the_reference_kernel(api: Api, s3: SeaweedS3, buckets: dict):
    dataset = api.ok(
        "POST",
        "/datasets",
        json={"name": "digits-s3", "training_type": "classification", "location": f"s3://{DATASETS}/digits"},
    )
    assert dataset["location"] == "s3://datasets/digits" and dataset["file_count"] == 1798
    model = api.ok(
        "POST",
        "/models",
        json={
            "training_datasets": ["digits-s3"],
            "validation_datasets": ["digits-s3"],
            "hyperparameters": {"epochs": 1, "image_size": 8, "channels": 1},
        },
    )
    done = api.wait_job(model["id"])
    assert done["status"] == "done", done["job"]["message"]
    log = api.get(f"/jobs/{model['id']}/logs").text
    assert "downloaded digits-s3: 1437/1437 files" in log and "downloaded digits-s3: 360/360 files" in log
    missing = api.post(
        "/datasets",
        json={"name": "nope", "training_type": "classification", "location": "s3://no-such-bucket/x"},
    )
    assert missing.status_code == 422 and "bucket 'no-such-bucket' does not exist" in missing.text


def test_no_job_keeps_its_s3_keys_after_its_results_are_uploaded(platform: RunningPlatform, api: Api):
    for item in api.ok("GET", "/dlaas/models"):
        details = wait_results(api, item["id"])
        assert details["results"]["status"] in ("uploaded", "failed")
        assert not (platform.data_dir / "secrets" / f"{item['id']}.json").exists()
        assert not (platform.data_dir / "jobs" / item["id"] / "dlaas-connections.json").exists()
