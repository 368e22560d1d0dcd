"""The checks of a DLaaS submission, before anything is created: the manifest, the .zip and
its command (no network), the manifest's buckets and keys (S3), the GPUs it asks for.

Every refusal is an `Invalid` naming the manifest's field, what was wrong and what would be
accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from vlad.dlaas.archive import ArchiveError, ArchiveSummary, check_zip, code_root
from vlad.dlaas.command import CommandError, program_file, split_command
from vlad.dlaas.manifest import RESOURCES, Manifest, ManifestError, parse_manifest
from vlad.server.services.errors import Invalid, field_error
from vlad.storage import ObjectStore, StorageError


@dataclass(frozen=True)
class Submission:
    """A manifest and a model definition that passed every check that needs no network."""

    manifest: Manifest
    archive: ArchiveSummary


def check_submission(manifest_text: bytes, archive: BinaryIO, max_unpacked_bytes: int) -> Submission:
    """Refuse a broken manifest, a file that is not a safe .zip, or a command it cannot run."""
    try:
        manifest = parse_manifest(manifest_text)
    except ManifestError as exc:
        raise Invalid(
            str(exc),
            [
                field_error(p.field if p.field == "manifest" else f"manifest.{p.field}", p.problem, p.allowed)
                for p in exc.problems
            ],
        ) from exc
    try:
        summary = check_zip(archive, max_unpacked_bytes)
    except ArchiveError as exc:
        raise Invalid(
            str(exc), [field_error("model_definition", str(exc), "a .zip of the training code")]
        ) from exc
    command_field = "manifest.model_definition.execution.command"
    try:
        argv = split_command(manifest.model_definition.execution.command)
    except CommandError as exc:
        raise Invalid(
            str(exc), [field_error(command_field, str(exc), "a program and its arguments")]
        ) from exc
    program, root = program_file(argv), code_root(summary.files)
    if program is not None and f"{root}/{program}".strip("/") not in summary.files:
        listed = ", ".join(summary.files[:10]) + (", ..." if len(summary.files) > 10 else "")
        raise Invalid(
            f"execution.command runs {program}, which is not in the model definition (it holds: {listed})",
            [
                field_error(
                    command_field, f"{program} is not in the .zip", "a file of the .zip, by its relative path"
                )
            ],
        )
    return Submission(manifest, summary)


def check_storage(manifest: Manifest) -> None:
    """The data and results buckets answer to the manifest's keys. Calls S3: run it outside
    any database transaction."""
    problems = []
    for reference, role in (("training_data_reference", "source"), ("training_results_reference", "target")):
        ref = getattr(manifest, reference)
        bucket = getattr(ref, role).bucket
        try:
            has_objects = ObjectStore(ref.connection.s3()).check_bucket(bucket)
        except StorageError as exc:
            where = f"{role}.bucket" if exc.kind == "bucket" else "connection"
            problems.append(
                field_error(f"manifest.{reference}.{where}", exc.message, _storage_hint(exc.kind))
            )
            continue
        if role == "source" and not has_objects:
            problems.append(
                field_error(
                    f"manifest.{reference}.source.bucket",
                    f"bucket {bucket!r} at {ref.connection.endpoint_url} holds no files",
                    "the bucket holding the training data (all of it is downloaded)",
                )
            )
    if problems:
        raise Invalid(
            "the manifest's object storage cannot be used: " + "; ".join(p["problem"] for p in problems),
            problems,
        )


def _storage_hint(kind: str) -> str:
    return {
        "bucket": "an existing bucket",
        "endpoint": "the URL of a running S3-compatible service",
        "credentials": "an access key id and secret access key that this service knows",
        "denied": "keys allowed to list and write the bucket",
    }.get(kind, "")


def gpu_count(manifest: Manifest, available: list[str]) -> int:
    """`small`/`medium`/`large` ask for 1/2/4 GPUs. A platform without GPUs runs the program on
    its CPU; one with too few refuses."""
    resource = manifest.model_definition.execution.resource
    wanted = RESOURCES[resource]
    if not available:
        return 0
    if wanted > len(available):
        fits = [
            f"{name} ({count} GPU{'s' * (count > 1)})"
            for name, count in RESOURCES.items()
            if count <= len(available)
        ]
        raise Invalid(
            f"execution.resource {resource} needs {wanted} GPUs; this platform has {len(available)}",
            [
                field_error(
                    "manifest.model_definition.execution.resource",
                    f"{resource} needs {wanted} GPUs",
                    ", ".join(fits),
                )
            ],
        )
    return wanted
