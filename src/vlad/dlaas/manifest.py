"""The DLaaS training manifest (SPEC section 7, seed 003) as typed models, and its checks.

    model_definition:
      name: digits-mlp                      # need not be unique: the job gets its own id
      description: ...
      author: {name: ..., email: ...}       # optional
      framework: {name: pytorch, version: "2.13"}
      execution:
        command: python3 train.py --data ${DATA_DIR} --out ${RESULT_DIR}
        resource: small                     # small = 1 GPU, medium = 2, large = 4
    training_data_reference:                # a mapping, or a list of exactly one
      connection: {endpoint_url: ..., aws_access_key_id: ..., aws_secret_access_key: ...}
      source: {bucket: digits-data, type: s3}
    training_results_reference:
      connection: {...}
      target: {bucket: digits-results, type: s3}

The seed's own example also spells the two references `training_data` and
`training_results`, and the keys `access_key_id` / `secret_access_key` without `aws_`:
both spellings are accepted. Every refusal names the field, says what was wrong and
what would be accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from vlad.storage import S3Connection

RESOURCES = {"small": 1, "medium": 2, "large": 4}
RESOURCE_TEXT = "small (1 GPU), medium (2 GPUs) or large (4 GPUs)"
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
ALIASES = {"training_data": "training_data_reference", "training_results": "training_results_reference"}
# One line of text: no control characters (NUL, escape sequences, newlines).
LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
# Text over lines: tabs and newlines, but no other control character.
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
MAX_MANIFEST_BYTES = 1024 * 1024
ECHO_CHARS = 100  # a refused value is quoted at most this long
MAX_NODES = 10_000  # values in the document once its aliases are expanded
SMALL_DOCUMENT = f"a manifest of at most {MAX_NODES} values, aliases expanded"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Author(_Strict):
    name: str | None = Field(default=None, max_length=200, pattern=LINE)
    email: str | None = Field(default=None, max_length=200, pattern=LINE)


class Framework(_Strict):
    name: str = Field(min_length=1, max_length=100, pattern=LINE)
    version: str = Field(min_length=1, max_length=100, pattern=LINE)

    @field_validator("version", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        # YAML reads `version: 1.2` as a number.
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class Execution(_Strict):
    command: str = Field(min_length=1, max_length=10_000, pattern=LINE)
    resource: Literal["small", "medium", "large"]

    @property
    def gpus(self) -> int:
        return RESOURCES[self.resource]


class ModelDefinition(_Strict):
    name: str = Field(min_length=1, max_length=200, pattern=LINE)
    description: str = Field(default="", max_length=10_000, pattern=TEXT)
    author: Author | None = None
    framework: Framework
    execution: Execution


class Connection(_Strict):
    endpoint_url: str = Field(pattern=r"^https?://[^\s/]+")
    access_key_id: str = Field(
        min_length=1, validation_alias=AliasChoices("aws_access_key_id", "access_key_id")
    )
    secret_access_key: SecretStr = Field(
        validation_alias=AliasChoices("aws_secret_access_key", "secret_access_key")
    )
    region: str = "us-east-1"

    def s3(self) -> S3Connection:
        return S3Connection(
            endpoint_url=self.endpoint_url.rstrip("/"),
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            region=self.region,
        )


class Bucket(_Strict):
    bucket: str = Field(pattern=BUCKET_NAME.pattern)
    type: Literal["s3"]


class DataReference(_Strict):
    connection: Connection
    source: Bucket


class ResultsReference(_Strict):
    connection: Connection
    target: Bucket


class Manifest(_Strict):
    model_definition: ModelDefinition
    training_data_reference: DataReference
    training_results_reference: ResultsReference

    def public(self) -> dict[str, Any]:
        """The manifest without its secrets (shown, stored)."""
        data = self.model_dump(mode="json", exclude_none=True)
        for reference in ("training_data_reference", "training_results_reference"):
            data[reference]["connection"].pop("secret_access_key", None)
        return data


# What each field accepts, for the refusals.
HINTS = {
    "model_definition.name": "one line of text naming the job, 1 to 200 characters, no control characters "
    "(it need not be unique)",
    "model_definition.description": "up to 10,000 characters; no control characters but tabs and newlines",
    "model_definition.framework.name": "the framework's name, e.g. pytorch or tensorflow (one line)",
    "model_definition.framework.version": "the framework's version, e.g. 2.13 (one line)",
    "model_definition.execution.command": "the program and its arguments on one line, "
    "e.g. python3 train.py ${DATA_DIR}",
    "model_definition.execution.resource": RESOURCE_TEXT,
    "connection.endpoint_url": "the S3 service's URL, e.g. http://127.0.0.1:8333",
    "connection.aws_access_key_id": "the access key id",
    "connection.aws_secret_access_key": "the secret access key",
    "bucket": "an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens",
    "type": "s3 (bluemix_objectstore, OpenStack Swift, is not supported)",
}


@dataclass(frozen=True)
class Problem:
    field: str
    problem: str
    allowed: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}" + (f" (accepted: {self.allowed})" if self.allowed else "")


class ManifestError(ValueError):
    """The manifest was refused; `problems` lists each field that is wrong."""

    def __init__(self, summary: str, problems: list[Problem]) -> None:
        self.summary, self.problems = summary, problems
        super().__init__(f"{summary}: " + "; ".join(map(str, problems)) if problems else summary)


def parse_manifest(text: str | bytes) -> Manifest:
    """Read and check a manifest; raises ManifestError naming every problem."""
    if len(text) > MAX_MANIFEST_BYTES:
        raise ManifestError(
            "the manifest is too large",
            [Problem("manifest", f"{len(text)} bytes", f"a YAML file of at most {MAX_MANIFEST_BYTES} bytes")],
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ManifestError(
                "the manifest is not text",
                [Problem("manifest", f"byte {exc.start} is not UTF-8", "a YAML file in UTF-8")],
            ) from exc
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        allowed = SMALL_DOCUMENT if isinstance(exc, _TooLarge) else "a YAML mapping"
        raise ManifestError(
            "the manifest is not valid YAML", [Problem("manifest", f"{where}{reason}", allowed)]
        ) from exc
    except RecursionError:
        raise ManifestError(
            "the manifest is not valid YAML",
            [Problem("manifest", "nested too deeply", "a YAML mapping a few levels deep")],
        ) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ManifestError(
            "the manifest is not a YAML mapping",
            [Problem("manifest", f"got {got}", "model_definition, training_data_reference, ...")],
        )
    data, problems = _normalize(data)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        named = {p.field for p in problems}  # said already, better
        problems += [p for p in map(_problem, exc.errors()) if p.field not in named]
    if problems:
        raise ManifestError("the manifest is not valid", problems)
    return manifest


class _TooLarge(yaml.YAMLError):
    pass


def _load_yaml(text: str) -> Any:
    """`yaml.safe_load`, refusing a document that expands past MAX_NODES.

    Aliases are kept (a connection written once and referred to twice is fine), but a few
    hundred bytes of nested aliases expand to gigabytes (the "billion laughs"): the size is
    counted on the composed graph, each node once, before anything is built from it.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, {}, set())
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise _TooLarge("an alias refers to a node that contains it")
    open_nodes.add(key)
    if isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    size = 1 + sum(_expanded_size(child, sizes, open_nodes) for child in children)
    open_nodes.discard(key)
    if size > MAX_NODES:
        raise _TooLarge(f"the document expands to more than {MAX_NODES} values (through its aliases)")
    sizes[key] = size
    return size


def _echo(value: Any) -> str:
    """`value` quoted for a refusal, cut short: what a person sent, never a wall of it."""
    text = repr(value)
    return text if len(text) <= ECHO_CHARS else f"{text[:ECHO_CHARS]}... ({len(text)} characters)"


def _normalize(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Accept the seed's other spellings, and a data reference given as a list of one."""
    data, problems = dict(data), []
    for alias, name in ALIASES.items():
        if alias in data:
            if name in data:
                problems.append(Problem(alias, f"given together with {name}", f"one of {alias}, {name}"))
            data[name] = data.pop(alias)
    reference = data.get("training_data_reference")
    if isinstance(reference, list):
        if len(reference) == 1:
            data["training_data_reference"] = reference[0]
        else:
            problems.append(
                Problem("training_data_reference", f"lists {len(reference)} stores", "exactly one data store")
            )
            data.pop("training_data_reference")
    return data, problems


def _problem(error: Any) -> Problem:
    loc = [str(part) for part in error["loc"]]
    field = ".".join(loc)
    kind, value = error["type"], error.get("input")
    hint = _hint(loc)
    if kind == "missing":
        return Problem(field, "missing", hint)
    if kind == "extra_forbidden":
        return Problem(field, "unknown field", _accepted_keys(loc[:-1]))
    if kind == "literal_error":
        return Problem(field, f"{_echo(value)} is not accepted", hint)
    if kind == "string_pattern_mismatch":
        return Problem(field, f"{_echo(value)} is not well formed", hint)
    if kind == "string_too_short":
        return Problem(field, "empty", hint)
    if kind == "model_type":
        return Problem(field, f"expected a mapping, got {type(value).__name__}", _accepted_keys(loc))
    return Problem(field, error["msg"], hint)


def _hint(loc: list[str]) -> str:
    field = ".".join(loc)
    if field in HINTS:
        return HINTS[field]
    for size in (2, 1):
        tail = ".".join(loc[-size:])
        if tail in HINTS:
            return HINTS[tail]
    if loc and loc[-1] in ("access_key_id", "secret_access_key"):
        return HINTS[f"connection.aws_{loc[-1]}"]
    return ""


def _accepted_keys(loc: list[str]) -> str:
    model: type[BaseModel] = Manifest
    for part in loc:
        annotation = model.model_fields[part].annotation if part in model.model_fields else None
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return ""
        model = nested[0]
    names = [getattr(f.validation_alias, "choices", [n])[0] for n, f in model.model_fields.items()]
    return ", ".join(str(n) for n in names)
