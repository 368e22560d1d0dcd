"""The Kubernetes objects we make, checked against the Kubernetes OpenAPI schemas (offline:
the `kubernetes-validate` package ships them) and the `kubernetes` client's own models:
the kubernetes executor's Job and Secret, and the platform's deployment in deploy/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="pip install kubernetes-validate")
yaml = pytest.importorskip("yaml")

from vlad.executors import JobSpec  # noqa: E402
from vlad.executors.kubernetes.manifests import (  # noqa: E402
    KubernetesOptions,
    job_manifest,
    resource_name,
    secret_manifest,
)

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
VERSION = kubernetes_validate.latest_version()


def validate(manifest: dict[str, Any]) -> None:
    """Raises when the object breaks the schema, extra fields included (strict)."""
    try:
        kubernetes_validate.validate(manifest, VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path)
        raise AssertionError(
            f"{manifest['kind']} {manifest['metadata'].get('name')}: {where}: {exc.message}"
        ) from exc
    client = pytest.importorskip("kubernetes.client")
    model = getattr(client, f"V1{manifest['kind']}", None)
    if model is not None and hasattr(model, "from_dict"):
        model.from_dict(manifest)  # the client's pydantic models check types the schema leaves open


@pytest.fixture
def spec(tmp_path: Path) -> JobSpec:
    job_dir = tmp_path / "data" / "jobs" / "model-1a2b3c4d"
    job_dir.mkdir(parents=True)
    config = job_dir / "vlad_training.json"
    config.write_text(json.dumps({"temp_path": str(job_dir / "temp"), "message_pw": "secret"}))
    return JobSpec(
        job_id="model-1a2b3c4d",
        command=["python", "-m", "kernel"],
        workdir=job_dir,
        image="registry.example.com/vlad/image-classification:1.0.0",
        config_path=config,
        job_dir=job_dir,
        temp_path=job_dir / "temp",
        mounts=(job_dir / "dataset", job_dir / "output"),
        env={"EXTRA": "1"},
        labels={"vlad.job": "model-1a2b3c4d", "vlad.project": "project-9"},
    )


@pytest.mark.parametrize("gpu_count", [0, 1, 4])
@pytest.mark.parametrize("deadline", [None, 3600])
def test_job_and_secret_manifests_are_valid(tmp_path, spec, gpu_count, deadline):
    options = KubernetesOptions("ml", "vlad-data", str(tmp_path / "data"), deadline, grace_seconds=7.5)
    spec = JobSpec(**{**spec.__dict__, "gpu_count": gpu_count})
    job, secret = job_manifest(spec, options, log_base=12), secret_manifest(spec, options)
    validate(job)
    validate(secret)
    pod = job["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 8
    assert ("activeDeadlineSeconds" in job["spec"]) == bool(deadline)
    env = {e["name"]: e["value"] for e in pod["containers"][0]["env"]}
    assert env["VLAD_TRAINING_CONFIG"] == "/vlad_training.json" and env["EXTRA"] == "1"
    # No GPU: the kernel must not find one; with GPUs, the device plugin shows it its own.
    assert ("CUDA_VISIBLE_DEVICES" in env) == (gpu_count == 0)
    resources = pod["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": "1"}  # 1 CPU by default; no memory bound
    assert resources.get("limits", {}) == ({"nvidia.com/gpu": str(gpu_count)} if gpu_count else {})


@pytest.mark.parametrize(
    ("cpus", "memory_gb", "requests", "limits"),
    [
        (1.0, None, {"cpu": "1"}, {}),
        (2, 4, {"cpu": "2", "memory": "4096Mi"}, {"memory": "4096Mi"}),
        (0.5, 1.5, {"cpu": "500m", "memory": "1536Mi"}, {"memory": "1536Mi"}),
        (2.25, 0.0001, {"cpu": "2250m", "memory": "1Mi"}, {"memory": "1Mi"}),
    ],
)
def test_the_pod_requests_the_jobs_cpus_and_memory(tmp_path, spec, cpus, memory_gb, requests, limits):
    options = KubernetesOptions("ml", "vlad-data", str(tmp_path / "data"))
    spec = JobSpec(**{**spec.__dict__, "cpus": cpus, "memory_gb": memory_gb, "gpu_count": 1})
    job = job_manifest(spec, options, log_base=0)
    validate(job)
    container = job["spec"]["template"]["spec"]["containers"][0]
    # Memory is a limit too (beyond it the kernel is killed, not the node); CPUs are not:
    # a limit would throttle a kernel whose threads follow its request (OMP_NUM_THREADS).
    assert container["resources"] == {"requests": requests, "limits": {**limits, "nvidia.com/gpu": "1"}}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["OMP_NUM_THREADS"] == str(max(1, int(cpus)))


@pytest.mark.parametrize(
    ("job_id", "name"),
    [
        ("model-1a2b3c4d", "vlad-model-1a2b3c4d"),
        ("Model_X", "vlad-model-x-"),  # changed: a hash keeps it unique
        ("validation-" + "9" * 80, "vlad-validation-999"),
    ],
)
def test_resource_names_are_dns_labels(job_id, name):
    made = resource_name(job_id)
    assert made.startswith(name) and len(made) <= 63
    assert made.replace("-", "").isalnum() and made == made.lower() and not made.endswith("-")


def deploy_objects() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    objects = []
    for resource in kustomization["resources"]:
        objects += [o for o in yaml.safe_load_all((DEPLOY / resource).read_text()) if o]
    return objects


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_templates(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o["spec"]["template"] for o in objects if o["kind"] in ("Deployment", "StatefulSet")]


def test_the_deployment_manifests_are_valid():
    objects = deploy_objects()
    kinds = {o["kind"] for o in objects}
    assert {
        "Deployment",
        "Service",
        "PersistentVolumeClaim",
        "StatefulSet",
        "ConfigMap",
        "Secret",
        "Role",
    } <= kinds
    for manifest in objects:
        validate(manifest)


def test_the_deployment_manifests_refer_to_what_they_define():
    objects = deploy_objects()
    secrets, config_maps = by_kind(objects, "Secret"), by_kind(objects, "ConfigMap")
    claims = by_kind(objects, "PersistentVolumeClaim")
    for template in pod_templates(objects):
        for container in template["spec"]["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets[ref["name"]]["stringData"], ref
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps
        for volume in template["spec"].get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims
    labels = [t["metadata"]["labels"] for t in pod_templates(objects)]
    for service in by_kind(objects, "Service").values():
        selector = service["spec"]["selector"].items()
        assert any(selector <= pod_labels.items() for pod_labels in labels), service["metadata"]["name"]


def test_the_platform_settings_are_real_settings_and_the_data_volume_is_shared():
    settings = pytest.importorskip("vlad.server.settings")
    objects = deploy_objects()
    [config] = by_kind(objects, "ConfigMap").values()
    unknown = [
        k for k in config["data"] if k.removeprefix("VLAD_").lower() not in settings.Settings.model_fields
    ]
    assert unknown == []
    [platform] = by_kind(objects, "Deployment").values()
    pod = platform["spec"]["template"]["spec"]
    [mount] = pod["containers"][0]["volumeMounts"]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    # The jobs mount the claim the platform is told of at the data folder's path: the same one.
    assert mount["mountPath"] == config["data"]["VLAD_DATA_DIR"]
    assert volume["persistentVolumeClaim"]["claimName"] == config["data"]["VLAD_KUBERNETES_DATA_CLAIM"]


def test_the_platform_may_do_what_the_kubernetes_executor_does():
    [role] = by_kind(deploy_objects(), "Role").values()
    granted = {(r, v) for rule in role["rules"] for r in rule["resources"] for v in rule["verbs"]}
    needed = {
        ("jobs", "create"),
        ("jobs", "get"),
        ("jobs", "list"),
        ("jobs", "delete"),
        ("secrets", "create"),
        ("secrets", "update"),
        ("secrets", "patch"),
        ("secrets", "delete"),
        ("pods", "list"),
        ("pods", "deletecollection"),
        ("pods/log", "get"),
    }
    assert needed <= granted


def test_the_pod_sees_only_the_jobs_own_paths_and_its_datasets_read_only(tmp_path, spec):
    data = tmp_path / "data"
    config = json.loads(spec.config_path.read_text())
    config["dataset_path"] = str(spec.job_dir / "dataset")
    spec.config_path.write_text(json.dumps(config))
    job = job_manifest(spec, KubernetesOptions("ml", "vlad-data", str(data)), log_base=0)
    mounts = {
        m["mountPath"]: (m.get("subPath"), m.get("readOnly"))
        for m in job["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        if m["name"] == "data"
    }
    assert mounts == {
        str(spec.job_dir / "dataset"): ("jobs/model-1a2b3c4d/dataset", True),
        str(spec.job_dir / "output"): ("jobs/model-1a2b3c4d/output", False),
        str(spec.job_dir / "temp"): ("jobs/model-1a2b3c4d/temp", False),
    }
    assert str(data) not in mounts  # not the whole data folder: its secrets/ and other jobs
