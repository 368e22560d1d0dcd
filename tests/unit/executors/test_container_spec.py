"""What the docker executor asks the engine for: mounts at the same paths, GPUs, labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vlad.executors import JobSpec
from vlad.executors.docker.container import ContainerOptions, container_name, create_kwargs


@pytest.fixture
def spec(tmp_path: Path) -> JobSpec:
    job_dir = tmp_path / "jobs" / "model-1"
    config = job_dir / "vlad_training.json"
    job_dir.mkdir(parents=True)
    config.write_text(
        json.dumps(
            {
                "temp_path": str(job_dir / "temp"),
                "training_config_file": str(job_dir / "model.json"),
                "dataset_path": str(job_dir / "dataset"),
            }
        )
    )
    return JobSpec(
        job_id="model-1",
        command=["python", "-m", "kernel"],
        workdir=tmp_path / "kernel",
        image="vlad/tiny:0.1.0",
        config_path=config,
        job_dir=job_dir,
        temp_path=job_dir / "temp",
        mounts=(job_dir / "dataset", job_dir / "output", job_dir / "dataset"),
        env={"EXTRA": "1"},
        labels={"vlad.project": "project-1"},
    )


def test_the_config_and_every_folder_it_names_are_mounted_at_their_own_paths(spec):
    kwargs = create_kwargs(spec, (), ContainerOptions(extra_mounts=("/usr",)), log_base=21)
    mounts = {m["Target"]: (m["Source"], m["ReadOnly"]) for m in kwargs["mounts"]}
    job = spec.job_dir
    assert mounts == {
        "/vlad_training.json": (str(spec.config_path), True),
        "/usr": ("/usr", True),
        str(job / "dataset"): (str(job / "dataset"), True),  # shared files: never written
        str(job / "output"): (str(job / "output"), False),
        str(job / "temp"): (str(job / "temp"), False),
        str(job / "model.json"): (str(job / "model.json"), False),
    }
    assert len(kwargs["mounts"]) == len(mounts)  # the dataset twice in `mounts`: mounted once
    assert kwargs["labels"] == {
        "vlad.project": "project-1",
        "vlad.job": "model-1",
        "vlad.gpus": "",
        "vlad.log-base": "21",
    }
    assert kwargs["network_mode"] == "host" and kwargs["init"] is True
    assert "command" not in kwargs  # the image's own entrypoint
    assert kwargs["environment"]["VLAD_TRAINING_CONFIG"] == "/vlad_training.json"
    assert kwargs["environment"]["CUDA_VISIBLE_DEVICES"] == "" and "device_requests" not in kwargs


@pytest.mark.parametrize(
    ("request_gpus", "expected"),
    [(True, [{"driver": "nvidia", "device_ids": ["2", "3"], "capabilities": [["gpu"]]}]), (False, None)],
)
def test_gpus_are_requested_by_id_and_seen_from_zero(spec, request_gpus, expected):
    kwargs = create_kwargs(spec, ("2", "3"), ContainerOptions(request_gpus=request_gpus), log_base=0)
    assert kwargs.get("device_requests") == expected
    env = kwargs["environment"]
    assert (env["CUDA_VISIBLE_DEVICES"], env["VLAD_GPUS"]) == ("0,1", "2,3")
    assert kwargs["labels"]["vlad.gpus"] == "2,3"


def test_the_manifest_command_runs_in_the_kernel_folder_when_asked(spec):
    kwargs = create_kwargs(
        spec, (), ContainerOptions(use_manifest_command=True, network_mode=None), log_base=0
    )
    assert kwargs["command"] == ["python", "-m", "kernel"] and kwargs["working_dir"] == str(spec.workdir)
    assert {
        "Type": "bind",
        "Source": str(spec.workdir),
        "Target": str(spec.workdir),
        "ReadOnly": True,
    } in kwargs["mounts"]
    assert "network_mode" not in kwargs


def test_a_kernel_without_an_image_is_refused(spec):
    with pytest.raises(ValueError, match="job model-1 has no image to run"):
        create_kwargs(JobSpec(**{**spec.__dict__, "image": None}), (), ContainerOptions(), log_base=0)


def test_container_names_are_valid():
    assert container_name("model-1a2b") == "vlad-model-1a2b"
    assert container_name("a b/c") == "vlad-a-b-c"


@pytest.mark.parametrize(
    ("cpus", "memory_gb", "engine_cpus", "nano_cpus", "mem_limit"),
    [
        (1.0, None, None, 1_000_000_000, None),  # no memory bound: none set
        (2.5, 1.5, 8, 2_500_000_000, int(1.5 * 2**30)),
        (32, 0.25, 4, 4_000_000_000, 2**28),  # more than the engine has: all of it (Docker refuses more)
    ],
)
def test_the_jobs_cpus_and_memory_bound_its_container(
    spec, cpus, memory_gb, engine_cpus, nano_cpus, mem_limit
):
    job = JobSpec(**{**spec.__dict__, "cpus": cpus, "memory_gb": memory_gb})
    kwargs = create_kwargs(job, (), ContainerOptions(), log_base=0, engine_cpus=engine_cpus)
    assert kwargs["nano_cpus"] == nano_cpus and kwargs.get("mem_limit") == mem_limit
    assert kwargs["environment"]["OMP_NUM_THREADS"] == str(max(1, int(cpus)))
