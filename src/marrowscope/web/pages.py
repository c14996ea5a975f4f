"""Rendering helpers shared by the routers: a page with the person and their CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from marrowscope.domain.accounts.model import User
from marrowscope.domain.roles import Role
from marrowscope.web.alert_banner import page_alerts
from marrowscope.web.deps import SignedIn, get_ctx

__all__ = ["home_of", "nav_of", "redirect", "render"]

_NAV: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.CLINICIAN: (("/clinician", "Blood counts & orders"),),
    Role.PROCEDURALIST: (("/nursing", "Procedures"),),
    Role.NURSE: (("/nursing", "Procedures"),),
    Role.LAB_SCIENTIST: (
        ("/lab", "Accessioning"),
        ("/lab/overdue", "Overdue board"),
        ("/interop/messages", "Message log"),
    ),
    Role.MORPHOLOGIST: (
        ("/counter", "Differential counter"),
        ("/review", "AI pre-classification"),
        ("/counter/keymaps", "Keymaps"),
    ),
    Role.PATHOLOGIST: (
        ("/pathologist", "Cases"),
        ("/counter", "Counter"),
        ("/review", "AI pre-classification"),
        ("/counter/keymaps", "Keymaps"),
        ("/quality", "Quality"),
    ),
    Role.ADMIN: (("/admin", "Accounts"), ("/interop/messages", "Message log")),
    Role.LAB_MANAGER: (("/quality", "Quality dashboard"),),
    # a hospital system's account works on the FHIR API (HTTP Basic), not on pages
    Role.INTERFACE: (("/fhir/metadata", "FHIR API"),),
}


def home_of(user: User) -> str:
    """Where a person lands after signing in."""
    if user.role is Role.PATIENT:
        return f"/patient/{user.patient_id}"
    return _NAV[user.role][0][0]


def nav_of(user: User) -> list[tuple[str, str]]:
    """The links of the top bar for a role."""
    links = list(_NAV.get(user.role, ()))
    if user.role is Role.PATIENT:
        links = [(home_of(user), "My examination")]
    if user.role is not Role.PATIENT:
        links.append(("/docs", "API"))
    return links


def render(
    request: Request,
    template: str,
    me: SignedIn | None,
    status_code: int = 200,
    **data: Any,
) -> Response:
    """A page; ``me`` gives the navigation and the CSRF token its forms carry."""
    ctx = get_ctx(request)
    context: dict[str, Any] = {
        "me": me.session if me else None,
        "csrf": me.csrf if me else "",
        "nav": nav_of(me.user) if me else [],
        **page_alerts(ctx, me, data),  # header count and case banner
        **data,
    }
    return ctx.templates.TemplateResponse(request, template, context, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see the result with a GET (no resubmission on reload)."""
    return RedirectResponse(url, status_code=303)
