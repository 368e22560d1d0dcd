"""Registering kernels and finding one for a training type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from vlad.contract import KernelManifest, check_hyperparameters
from vlad.contract.manifest import MANIFEST_FILE
from vlad.executors import available_executors
from vlad.server.models import Kernel, Project
from vlad.server.services.access import Caller, refuse_control_characters, require_admin, require_sandbox
from vlad.server.services.errors import Conflict, Invalid, NotFound, field_error
from vlad.server.services.ids import new_id
from vlad.server.settings import Settings, get_settings


def parse_manifest(data: dict[str, Any]) -> KernelManifest:
    try:
        return KernelManifest.model_validate(data)
    except ValidationError as exc:
        details = [field_error(".".join(map(str, e["loc"])) or "kernel.json", e["msg"]) for e in exc.errors()]
        raise Invalid(
            "the kernel manifest is not valid: "
            + "; ".join(f"{d['field']}: {d['problem']}" for d in details),
            details,
        ) from exc


def register(
    session: Session,
    project: Project,
    *,
    path: str | None = None,
    manifest: dict[str, Any] | None = None,
    executor: str | None = None,
    caller: Caller | None = None,
    settings: Settings | None = None,
) -> Kernel:
    """Register a kernel from its folder (holding kernel.json) or from a manifest alone.

    For an API `caller` (with the platform's `settings`), only an admin may name a folder on
    the server or a manifest the platform's host would run (see `check_access`). Without a
    caller (the platform's own bootstrap, kernel uploads) nothing is checked here."""
    if executor is not None and executor not in available_executors():
        raise Invalid(
            f"unknown executor {executor!r}",
            [field_error("executor", f"unknown {executor!r}", ", ".join(available_executors()))],
        )
    if caller is not None and (path or manifest is not None):
        executor = check_access(caller, settings or get_settings(), path=path, executor=executor)
    folder = None
    if path:
        folder, manifest = _read_folder(path)
    if manifest is None:
        raise Invalid(
            "give a kernel folder (path) or its manifest",
            [field_error("path", "missing", "a folder holding kernel.json")],
        )
    parsed = parse_manifest(manifest)
    if session.scalar(
        select(Kernel).where(
            Kernel.project_id == project.id,
            Kernel.name == parsed.name,
            Kernel.version == parsed.version,
        )
    ):
        raise Conflict(
            f"kernel {parsed.name} {parsed.version} is registered already; "
            "register a new version to change it"
        )
    kernel = Kernel(
        id=new_id("kernel"),
        project_id=project.id,
        name=parsed.name,
        version=parsed.version,
        # A range the kernel did not set stays unset: "fixed at 1" is then the contract's
        # default, which a machine without GPUs may turn into the CPU (new_job.on_cpu_by_default).
        manifest=parsed.model_dump(
            mode="json",
            by_alias=True,
            exclude=None if "supported_gpu_count" in parsed.model_fields_set else {"supported_gpu_count"},
        ),
        path=str(folder) if folder else None,
        executor=executor,
    )
    session.add(kernel)
    session.flush()
    return kernel


def _read_folder(path: str) -> tuple[Path, dict[str, Any]]:
    """The kernel folder at `path` (or of the kernel.json there) and its manifest; 422 otherwise."""
    refuse_control_characters(path, "path", "a kernel folder on the server")
    try:
        folder = Path(path).expanduser().resolve()
        manifest_file = folder / MANIFEST_FILE if folder.is_dir() else folder
        if not manifest_file.is_file():
            raise Invalid(
                f"{path} is neither a kernel folder with a {MANIFEST_FILE} nor a manifest file",
                [field_error("path", "no kernel.json there", "a kernel folder")],
            )
        data = json.loads(manifest_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(
            f"{path}: its {MANIFEST_FILE} is not valid JSON ({exc})",
            [field_error("path", f"{MANIFEST_FILE} is not valid JSON", "a kernel folder")],
        ) from exc
    except OSError as exc:
        raise Invalid(
            f"{path} cannot be read: {exc.strerror}",
            [field_error("path", exc.strerror or "unreadable", "a kernel folder")],
        ) from exc
    if not isinstance(data, dict):
        raise Invalid(
            f"{path}: its {MANIFEST_FILE} is not a JSON object",
            [field_error("path", f"{MANIFEST_FILE} is not an object", "a kernel folder")],
        )
    return manifest_file.parent, data


def check_access(caller: Caller, settings: Settings, *, path: str | None, executor: str | None) -> str | None:
    """Refuse (403) a member's kernel that would run on the platform's host; return the executor
    to keep with the kernel. A member's is pinned to the one the rule was checked against, so a
    later change of VLAD_EXECUTOR cannot move it onto the host."""
    if path:
        require_admin(
            caller,
            "registering a kernel from a server folder",
            "the platform would run code from its own disk; a member uploads a .zip "
            "(POST /kernels/upload) for an executor that sandboxes it",
            "path",
        )
        return executor
    chosen = executor or settings.executor
    require_sandbox(caller, chosen, settings, "registering a kernel manifest", "executor")
    return executor if caller.is_admin else chosen


def manifest_of(kernel: Kernel) -> KernelManifest:
    return KernelManifest.model_validate(kernel.manifest)


def list_kernels(
    session: Session, project: Project, name: str | None = None, training_type: str | None = None
) -> list[Kernel]:
    """The project's kernels by name, newest version first; only `name`'s versions and those
    supporting `training_type` when given."""
    query = select(Kernel).where(Kernel.project_id == project.id)
    if name:
        query = query.where(Kernel.name == name)
    found = list(session.scalars(query.order_by(Kernel.name, Kernel.created_at.desc())))
    return [k for k in found if supports(k, training_type)] if training_type else found


def get(session: Session, project: Project, ref: str) -> Kernel:
    """A kernel by id, by `name` (its newest version) or by `name:version`."""
    kernel = session.get(Kernel, ref)
    if kernel is not None and kernel.project_id == project.id:
        return kernel
    name, _, version = ref.partition(":")
    query = select(Kernel).where(Kernel.project_id == project.id, Kernel.name == name)
    if version:
        query = query.where(Kernel.version == version)
    kernel = session.scalars(query.order_by(Kernel.created_at.desc())).first()
    if kernel is None:
        raise NotFound(f"no kernel {ref!r} in this project")
    return kernel


def supports(kernel: Kernel, training_type: str) -> bool:
    return training_type in kernel.manifest.get("training_types", [])


def propose(
    session: Session,
    project: Project,
    training_type: str,
    hyperparameters: dict[str, Any] | None = None,
) -> Kernel | None:
    """The newest kernel that supports `training_type`; given settings, the newest whose
    schema they satisfy, if any does."""
    candidates = [k for k in list_kernels(session, project) if supports(k, training_type)]
    if hyperparameters is not None:
        fitting = [k for k in candidates if not check_hyperparameters(hyperparameters, k.manifest["schema"])]
        candidates = fitting or candidates
    return max(candidates, key=lambda k: k.created_at) if candidates else None
