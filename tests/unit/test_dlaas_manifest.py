"""The DLaaS manifest: what it accepts, and a refusal naming the field for each way it can be wrong."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml

from vlad.dlaas.manifest import ManifestError, parse_manifest

GOOD = {
    "model_definition": {
        "name": "digits-mlp",
        "description": "a small MLP",
        "author": {"name": "A. Person", "email": "a@example.com"},
        "framework": {"name": "pytorch", "version": "2.13"},
        "execution": {"command": "python3 train.py --data ${DATA_DIR}", "resource": "small"},
    },
    "training_data_reference": {
        "connection": {
            "endpoint_url": "http://127.0.0.1:8333",
            "aws_access_key_id": "key",
            "aws_secret_access_key": "s3cr3t-value",
        },
        "source": {"bucket": "digits-data", "type": "s3"},
    },
    "training_results_reference": {
        "connection": {
            "endpoint_url": "http://127.0.0.1:8333",
            "access_key_id": "key",
            "secret_access_key": "s",
        },
        "target": {"bucket": "digits-results", "type": "s3"},
    },
}


def changed(path: str, value: object) -> dict:
    """GOOD with the field at dotted `path` set to `value` (`...` deletes it)."""
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    *parents, leaf = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    if value is ...:
        del node[leaf]
    else:
        node[leaf] = value
    return data


def test_the_seed_example_is_accepted_with_its_other_spellings():
    seed = yaml.safe_load(yaml.safe_dump(GOOD))
    seed["training_data"] = [seed.pop("training_data_reference")]  # as the seed's first example
    seed["training_results"] = seed.pop("training_results_reference")
    seed["model_definition"]["framework"]["version"] = 1.2  # a YAML number
    manifest = parse_manifest(yaml.safe_dump(seed))
    assert manifest.model_definition.framework.version == "1.2"
    assert manifest.model_definition.execution.gpus == 1
    assert manifest.training_data_reference.source.bucket == "digits-data"
    assert manifest.training_results_reference.connection.access_key_id == "key"


def test_the_public_form_has_no_secret():
    manifest = parse_manifest(yaml.safe_dump(GOOD))
    text = str(manifest.public())
    assert "s3cr3t-value" not in text and "secret_access_key" not in text and "digits-results" in text
    assert "s3cr3t-value" not in repr(manifest)


@pytest.mark.parametrize(("resource", "gpus"), [("small", 1), ("medium", 2), ("large", 4)])
def test_resources_are_gpu_counts(resource: str, gpus: int):
    manifest = parse_manifest(yaml.safe_dump(changed("model_definition.execution.resource", resource)))
    assert manifest.model_definition.execution.gpus == gpus


@dataclass
class Refusal:
    name: str
    text: str
    field: str
    says: str  # in the problem or what is accepted


REFUSALS = [
    Refusal("broken YAML", "model_definition:\n  name: [x\n", "manifest", "line 3, column 1"),
    Refusal("tab indentation", "model_definition:\n\tname: x\n", "manifest", "line 2, column 1"),
    Refusal("not a mapping", "- a\n- b\n", "manifest", "got a list"),
    Refusal("empty file", "", "manifest", "empty file"),
    Refusal(
        "unknown resource",
        yaml.safe_dump(changed("model_definition.execution.resource", "huge")),
        "model_definition.execution.resource",
        "small (1 GPU), medium (2 GPUs) or large (4 GPUs)",
    ),
    Refusal(
        "missing command",
        yaml.safe_dump(changed("model_definition.execution.command", ...)),
        "model_definition.execution.command",
        "missing",
    ),
    Refusal(
        "missing framework",
        yaml.safe_dump(changed("model_definition.framework", ...)),
        "model_definition.framework",
        "missing",
    ),
    Refusal(
        "missing results reference",
        yaml.safe_dump(changed("training_results_reference", ...)),
        "training_results_reference",
        "missing",
    ),
    Refusal(
        "missing secret key",
        yaml.safe_dump(changed("training_data_reference.connection.aws_secret_access_key", ...)),
        "training_data_reference.connection.aws_secret_access_key",
        "missing",
    ),
    Refusal(
        "Swift store",
        yaml.safe_dump(changed("training_data_reference.source.type", "bluemix_objectstore")),
        "training_data_reference.source.type",
        "s3",
    ),
    Refusal(
        "bad bucket name",
        yaml.safe_dump(changed("training_results_reference.target.bucket", "My_Bucket")),
        "training_results_reference.target.bucket",
        "lowercase",
    ),
    Refusal(
        "endpoint that is not a URL",
        yaml.safe_dump(changed("training_data_reference.connection.endpoint_url", "s3.example.com")),
        "training_data_reference.connection.endpoint_url",
        "http://",
    ),
    Refusal(
        "misspelt field",
        yaml.safe_dump(changed("model_definition.execution.resouce", "small")),
        "model_definition.execution.resouce",
        "command, resource",
    ),
    Refusal(
        "two data stores",
        yaml.safe_dump(changed("training_data_reference", [GOOD["training_data_reference"]] * 2)),
        "training_data_reference",
        "exactly one",
    ),
]


@pytest.mark.parametrize("case", REFUSALS, ids=[c.name for c in REFUSALS])
def test_each_refusal_names_the_field_and_what_is_accepted(case: Refusal):
    with pytest.raises(ManifestError) as refused:
        parse_manifest(case.text)
    problems = {p.field: p for p in refused.value.problems}
    assert case.field in problems, refused.value
    problem = problems[case.field]
    assert case.says in f"{problem.problem} {problem.allowed}", problem
    assert case.field in str(refused.value)


def alias_bomb(depth: int, fan: int = 9) -> str:
    """A billion-laughs manifest: each level lists the previous one `fan` times."""
    lines = ['x0: &a0 "lol"']
    lines += [f"x{d}: &a{d} [{', '.join([f'*a{d - 1}'] * fan)}]" for d in range(1, depth + 1)]
    body = yaml.safe_dump(changed("model_definition.execution.resource", "BOMB"))
    return "\n".join(lines) + "\n" + body.replace("BOMB", f"*a{depth}")  # echoed when refused


REFUSED_DOCUMENTS = [
    Refusal("alias bomb", alias_bomb(6), "manifest", "aliases expanded"),
    Refusal("alias to itself", "a: &x [1, *x]\n", "manifest", "contains it"),
    Refusal("nested too deeply", "a: " + "[" * 50_000 + "]" * 50_000 + "\n", "manifest", "nested too deeply"),
    Refusal(
        "control character in the name",
        yaml.safe_dump(changed("model_definition.name", "digits\x00mlp")),
        "model_definition.name",
        "control characters",
    ),
    Refusal(
        "a name too long",
        yaml.safe_dump(changed("model_definition.name", "n" * 201)),
        "model_definition.name",
        "200",
    ),
]


@pytest.mark.parametrize("case", REFUSED_DOCUMENTS, ids=[c.name for c in REFUSED_DOCUMENTS])
def test_aliases_and_unsafe_names_are_refused_in_a_short_answer(case: Refusal):
    with pytest.raises(ManifestError) as refused:
        parse_manifest(case.text)
    problems = {p.field: p for p in refused.value.problems}
    assert case.field in problems, refused.value
    assert case.says in f"{problems[case.field].problem} {problems[case.field].allowed}"
    assert len(str(refused.value)) < 2000  # 0.7 KB of aliases once answered 50 MB


def test_a_long_value_is_echoed_cut_short():
    with pytest.raises(ManifestError) as refused:
        parse_manifest(yaml.safe_dump(changed("model_definition.execution.resource", "h" * 100_000)))
    problem = {p.field: p for p in refused.value.problems}["model_definition.execution.resource"]
    assert "hhhh" in problem.problem and len(problem.problem) < 200


def test_a_connection_written_once_and_referred_to_twice_is_accepted():
    text = yaml.safe_dump(GOOD).replace(
        "training_data_reference:\n  connection:", "training_data_reference:\n  connection: &store"
    )
    results = GOOD["training_results_reference"]["connection"]
    text = text.replace(
        yaml.safe_dump({"connection": results}, default_flow_style=False).replace("\n", "\n  ").rstrip(),
        "connection: *store",
    )
    assert "*store" in text and "&store" in text, text
    manifest = parse_manifest(text)
    assert manifest.training_results_reference.connection.access_key_id == "key"
    assert manifest.training_results_reference.target.bucket == "digits-results"
