"""One's own sessions (page and API) and an admin ending all of a person's sessions.

A session ended here is refused at its very next request: every request looks its
session up in the database. Writes carry the CSRF token like every write.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from marrowscope.domain.roles import Role
from marrowscope.services.accounts import (
    end_other_sessions,
    end_session,
    end_user_sessions,
    list_sessions,
)
from marrowscope.web.accounts.two_step import agent_of, start_session
from marrowscope.web.client_address import client_address
from marrowscope.web.deps import ALL_ROLES, Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["router"]

router = APIRouter(tags=["account"])

Anyone = Annotated[SignedIn, Depends(require(*ALL_ROLES))]
Admin = Annotated[SignedIn, Depends(require(Role.ADMIN))]


@router.get("/account/sessions", include_in_schema=False)
def sessions_page(request: Request, ctx: Ctx, me: Anyone) -> Response:
    """Where and since when one is signed in, each with a button to end it."""
    return render(
        request, "account_sessions.html", me, sessions=list_sessions(ctx.auth, me.session)
    )


@router.post("/account/sessions/end", include_in_schema=False)
def end_from_page(
    ctx: Ctx, me: Anyone, session_id: Annotated[str, Form(max_length=32)]
) -> Response:
    """End one session (``session_id``) or every other one (``others``)."""
    if session_id == "others":
        end_other_sessions(ctx.auth, me.session)
    else:
        end_session(ctx.auth, me.session, session_id)
    return redirect("/account/sessions")


@router.get("/api/me/sessions")
def my_sessions(ctx: Ctx, me: Anyone) -> list[dict[str, Any]]:
    """One's sessions, newest first (``current``: the one asking)."""
    return [
        {
            "id": s.id,
            "created_at": s.created_at.isoformat(),
            "last_seen_at": s.last_seen_at.isoformat() if s.last_seen_at else None,
            "client": s.client,
            "agent": s.agent,
            "current": s.current,
        }
        for s in list_sessions(ctx.auth, me.session)
    ]


@router.delete("/api/me/sessions")
def end_my_other_sessions(ctx: Ctx, me: Anyone) -> dict[str, int]:
    """End every session of one's account but the one asking; how many ended."""
    return {"ended": end_other_sessions(ctx.auth, me.session)}


@router.delete("/api/me/sessions/{session_id}")
def end_my_session(ctx: Ctx, me: Anyone, session_id: str) -> dict[str, str]:
    """End one of one's sessions (404 for anyone else's)."""
    end_session(ctx.auth, me.session, session_id)
    return {"status": "ended"}


@router.post("/admin/users/{user_id}/sessions/end", include_in_schema=False)
def admin_end_from_page(ctx: Ctx, me: Admin, user_id: int) -> Response:
    """End every session of an account (audited)."""
    end_user_sessions(ctx.auth, me.actor, user_id)
    return redirect("/admin")


@router.delete("/api/users/{user_id}/sessions")
def admin_end(ctx: Ctx, me: Admin, user_id: int) -> dict[str, int]:
    """End every session of an account (audited); how many ended."""
    return {"ended": end_user_sessions(ctx.auth, me.actor, user_id)}


class CodeIn(BaseModel):
    """The ticket from ``POST /api/session`` and a TOTP or recovery code."""

    ticket: str = Field(max_length=1000)
    code: str = Field(max_length=32)


@router.post("/api/session/mfa")
def api_code_step(request: Request, ctx: Ctx, body: CodeIn) -> Response:
    """The code step of an API sign-in: the session cookie and the CSRF token."""
    from fastapi.responses import JSONResponse

    session = ctx.auth.finish_sign_in(
        body.ticket,
        body.code,
        client_address(request, ctx.settings.trusted_proxy_set),
        agent_of(request),
    )
    answer = JSONResponse(
        {
            "username": session.user.username,
            "role": session.user.role.value,
            "csrf_token": session.csrf_token,
            "notices": list(session.notices),
        }
    )
    return start_session(answer, request, ctx, session)
