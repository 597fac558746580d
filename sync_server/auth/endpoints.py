"""`/api/auth`: staff login, token refresh, logout, password change."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from fastapi import APIRouter, Request, Response, status

from common.errors import DomainError
from common.i18n import N_
from common.staff import service as staff_service
from common.staff.models import Role
from sync_server.auth.dependencies import CurrentCaller, StaffContext
from sync_server.auth.schemas import PasswordChangeRequest, RefreshRequest, StaffLoginRequest, TokenResponse
from sync_server.auth.sessions import TokenPair
from sync_server.errors import ERROR_RESPONSES
from sync_server.runtime import server_of

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERROR_RESPONSES)

UNKNOWN_CLIENT: Final = "unknown"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    http_status = 429
    message = N_("Too many sign-in attempts. Wait a minute and try again.")


@router.post("/staff/login", response_model=TokenResponse)
def staff_login(body: StaffLoginRequest, request: Request) -> TokenResponse:
    """Sign in with the clinic, email, password and (Admins and Managers) the TOTP code.

    Every refusal is the same 401, whether the email exists or not."""
    server = server_of(request)
    client = request.client.host if request.client is not None else UNKNOWN_CLIENT
    if not server.login_throttle.allow(client, str(body.clinic_id), body.email):
        raise TooManyAttempts()
    pair = server.sessions.sign_in(body.clinic_id, body.email, body.password, body.totp_code)
    return _tokens(pair, server.db.clock.now())


@router.post("/refresh", response_model=TokenResponse)
def refresh(body: RefreshRequest, request: Request) -> TokenResponse:
    """A new access token and a new refresh token; the one sent is spent. Sending a spent
    refresh token again ends the whole sign-in session."""
    server = server_of(request)
    pair = server.sessions.refresh(body.refresh_token)
    return _tokens(pair, server.db.clock.now())


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def logout(ctx: StaffContext, caller: CurrentCaller, request: Request) -> None:
    """End this sign-in session: its access and refresh tokens stop working everywhere."""
    assert caller.claims is not None  # staff_context admits signed-in staff only
    server_of(request).sessions.sign_out(ctx, caller.claims.session_id)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def change_password(body: PasswordChangeRequest, ctx: StaffContext) -> None:
    """Change one's own password. Every session of this person ends, this one too."""
    staff_service.change_password(ctx, body.current_password, body.new_password)


def _tokens(pair: TokenPair, now: datetime) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=max(int((pair.access_expires_at - now).total_seconds()), 0),
        refresh_token=pair.refresh_token,
        refresh_expires_in=max(int((pair.refresh_expires_at - now).total_seconds()), 0),
        user_id=pair.user_id,
        clinic_id=pair.clinic_id,
        role=Role(pair.role),
    )
