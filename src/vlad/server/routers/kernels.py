from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from vlad.server.deps import CallerDep, PlatformDep, ProjectDep, SessionDep
from vlad.server.schemas.requests import KernelRegister
from vlad.server.schemas.responses import KernelOut
from vlad.server.services import kernel_upload, kernels
from vlad.server.services.kernel_checks import KernelChecker, register_checked
from vlad.server.services.presenters import kernel_out

router = APIRouter(prefix="/kernels", tags=["kernels"])


def get_checker(
    platform: PlatformDep,
    check: Annotated[
        bool,
        Query(
            description="Check the kernel after registering it (admin tokens only: it runs the "
            "kernel on the platform's host); the report comes with the kernel"
        ),
    ] = False,
) -> KernelChecker | None:
    return KernelChecker(platform.db, platform.broker_url, platform.settings.data_dir) if check else None


CheckerDep = Annotated[KernelChecker | None, Depends(get_checker)]


@router.post("", status_code=201)
def register(
    body: KernelRegister, session: SessionDep, caller: CallerDep, platform: PlatformDep, checker: CheckerDep
) -> KernelOut:
    """Register a kernel folder on the server (admin tokens only) or a manifest (a member's only
    for an executor that sandboxes it: docker, kubernetes, ray on other machines)."""
    return kernel_out(
        register_checked(
            session,
            caller,
            checker,
            lambda: kernels.register(
                session,
                caller.project,
                path=body.path,
                manifest=body.manifest,
                executor=body.executor,
                caller=caller,
                settings=platform.settings,
            ),
        )
    )


@router.post("/upload", status_code=201)
def upload(
    file: Annotated[UploadFile, File(description="a .zip of the kernel folder (kernel.json at its root)")],
    session: SessionDep,
    caller: CallerDep,
    platform: PlatformDep,
    checker: CheckerDep,
    executor: Annotated[str | None, Form(description="Run it with this executor")] = None,
) -> KernelOut:
    """Upload a kernel folder as a .zip; it is kept in <data_dir>/kernels/<name>/<version>/. A
    member token may upload only for an executor that sandboxes the kernel."""
    return kernel_out(
        register_checked(
            session,
            caller,
            checker,
            lambda: kernel_upload.upload(session, caller, file.file, platform.settings, executor or None),
        )
    )


@router.get("")
def list_kernels(
    session: SessionDep,
    project: ProjectDep,
    name: str | None = None,
    training_type: str | None = None,
) -> list[KernelOut]:
    return [kernel_out(k) for k in kernels.list_kernels(session, project, name, training_type)]


@router.get("/proposal")
def propose(training_type: str, session: SessionDep, project: ProjectDep) -> KernelOut | None:
    """The kernel the platform proposes for a training type (the newest that supports it)."""
    kernel = kernels.propose(session, project, training_type)
    return kernel_out(kernel) if kernel else None


@router.get("/{ref}")
def show(ref: str, session: SessionDep, project: ProjectDep) -> KernelOut:
    return kernel_out(kernels.get(session, project, ref))


@router.get("/{name}/versions")
def versions(name: str, session: SessionDep, project: ProjectDep) -> list[KernelOut]:
    return [kernel_out(k) for k in kernels.list_kernels(session, project, name)]
