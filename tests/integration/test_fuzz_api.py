"""Fuzzing the API from its own OpenAPI document (schemathesis): whatever is sent, no 5xx.

Every operation but the event stream (which never ends) gets a bounded, reproducible number
of generated requests, valid and invalid, with a real admin token, against the app in this
process on a real SQLite database (tests/integration/inprocess.py: no kernel is started).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from tests.integration.inprocess import LocalApi, local_api

from vlad.server.app import create_app

EXAMPLES_PER_OPERATION = 25


# The schema is read at collection, from an app whose platform the fixture below provides
# (schemathesis's fixture-based lazy schema does not run under pytest 9).
APP = create_app(None)  # type: ignore[arg-type]
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path_regex=r"/events$")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    with local_api(tmp_path_factory.mktemp("fuzz")) as api:
        APP.state.platform = api.platform
        yield api


@pytest.fixture(scope="module")
def existing(fuzzed: LocalApi) -> dict[str, str]:
    """Ids of things that exist, so that half the requests reach past the lookup."""
    api = fuzzed
    model = api.request("POST", "/models", json={"training_datasets": ["tiny-data"]}).json()
    folder = api.platform.settings.jobs_dir / model["id"]
    (folder / "output" / "save" / "metrics").mkdir(parents=True)
    (folder / "kernel.log").write_text("step 1\n")
    (folder / "output" / "save" / "metrics" / "loss.csv").write_text("step,loss\n1,0.5\n")
    imported = api.request(
        "POST",
        "/models/import",
        data={"name": "imported"},
        files={
            "model_file": ("w.pt", b"w"),
            "settings_file": ("model.json", b'{"training_type": "classification"}'),
        },
    ).json()
    validation = api.request(
        "POST", f"/models/{imported['id']}/validations", json={"datasets": ["tiny-data"]}
    )
    experiment = api.request(
        "POST", "/experiments", json={"name": "e", "base": {"training_datasets": ["tiny-data"]}, "runs": [{}]}
    )
    ids = {
        "model_id": model["id"],
        "job_id": model["id"],
        "validation_id": validation.json()["id"],
        "experiment_id": experiment.json()["id"],
        "ref": "tiny-data",
        "name": "tiny",
    }
    assert all(ids.values()), ids
    return ids


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case, fuzzed: LocalApi, existing: dict[str, str]):  # type: ignore[no-untyped-def]
    # Half the reads and writes name a thing that exists (never a delete: the next cases need them).
    if (
        case.method in ("GET", "POST")
        and case.path_parameters
        and zlib.crc32(f"{case.method} {case.path} {case.path_parameters}".encode()) % 2
    ):
        case.path_parameters = {k: existing.get(k, v) for k, v in case.path_parameters.items()}
    response = case.call(headers={"Authorization": f"Bearer {fuzzed.token}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: {response.text[:500]}\n"
        f"reproduce: {case.as_curl_command()}"
    )
