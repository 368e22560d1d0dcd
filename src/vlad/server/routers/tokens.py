"""API tokens of the caller's project: listed, created and revoked by admins."""

from fastapi import APIRouter, Response

from vlad.server.deps import SessionDep, admin_only
from vlad.server.schemas.access import TokenCreate
from vlad.server.schemas.responses import TokenCreatedOut, TokenInfoOut
from vlad.server.services import projects
from vlad.server.services.access import Role
from vlad.server.services.presenters import token_created_out, token_info_out

TokenAdmin = admin_only("managing API tokens", "a token opens this project to whoever holds it")
router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("")
def list_tokens(session: SessionDep, caller: TokenAdmin) -> list[TokenInfoOut]:
    """Every token of this project, revoked and expired ones included; never their secrets."""
    return [token_info_out(row) for row in projects.list_tokens(session, caller.project)]


@router.post("", status_code=201)
def create_token(body: TokenCreate, session: SessionDep, caller: TokenAdmin) -> TokenCreatedOut:
    """A new token of this project. Its secret is in this answer only: keep it."""
    row, secret = projects.create_token(
        session, caller.project, body.name, Role(body.role), body.expires_in_days
    )
    return token_created_out(row, secret)


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: str, session: SessionDep, caller: TokenAdmin) -> Response:
    """Revoke a token of this project (the caller's own too): it answers 401 from now on."""
    projects.revoke_token(session, caller.project, token_id)
    return Response(status_code=204)
