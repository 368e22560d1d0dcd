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
from vlad.server.services.errors import Conflict, Invalid, NotFound, field_error
from vlad.server.services.ids import new_id


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
) -> Kernel:
    """Register a kernel from its folder (holding kernel.json) or from a manifest alone."""
    folder = None
    if path:
        folder = Path(path).expanduser().resolve()
        manifest_file = folder / MANIFEST_FILE if folder.is_dir() else folder
        if not manifest_file.is_file():
            raise Invalid(
                f"{path} is neither a kernel folder with a {MANIFEST_FILE} nor a manifest file",
                [field_error("path", "no kernel.json there", "a kernel folder")],
            )
        folder = manifest_file.parent
        try:
            manifest = json.loads(manifest_file.read_text())
        except json.JSONDecodeError as exc:
            raise Invalid(f"{manifest_file} is not valid JSON: {exc}") from exc
    if manifest is None:
        raise Invalid(
            "give a kernel folder (path) or its manifest",
            [field_error("path", "missing", "a folder holding kernel.json")],
        )
    parsed = parse_manifest(manifest)
    if executor is not None and executor not in available_executors():
        raise Invalid(
            f"unknown executor {executor!r}",
            [field_error("executor", f"unknown {executor!r}", ", ".join(available_executors()))],
        )
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
        manifest=parsed.model_dump(mode="json", by_alias=True),
        path=str(folder) if folder else None,
        executor=executor,
    )
    session.add(kernel)
    session.flush()
    return kernel


def manifest_of(kernel: Kernel) -> KernelManifest:
    return KernelManifest.model_validate(kernel.manifest)


def list_kernels(session: Session, project: Project, name: str | None = None) -> list[Kernel]:
    query = select(Kernel).where(Kernel.project_id == project.id)
    if name:
        query = query.where(Kernel.name == name)
    return list(session.scalars(query.order_by(Kernel.name, Kernel.created_at.desc())))


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
