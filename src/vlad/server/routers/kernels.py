from fastapi import APIRouter

from vlad.server.deps import ProjectDep, SessionDep
from vlad.server.schemas.requests import KernelRegister
from vlad.server.schemas.responses import KernelOut
from vlad.server.services import kernels
from vlad.server.services.views import kernel_out

router = APIRouter(prefix="/kernels", tags=["kernels"])


@router.post("", status_code=201)
def register(body: KernelRegister, session: SessionDep, project: ProjectDep) -> KernelOut:
    return kernel_out(
        kernels.register(session, project, path=body.path, manifest=body.manifest, executor=body.executor)
    )


@router.get("")
def list_kernels(
    session: SessionDep,
    project: ProjectDep,
    name: str | None = None,
    training_type: str | None = None,
) -> list[KernelOut]:
    found = kernels.list_kernels(session, project, name)
    if training_type:
        found = [k for k in found if kernels.supports(k, training_type)]
    return [kernel_out(k) for k in found]


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
