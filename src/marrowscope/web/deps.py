"""Request dependencies: the app context, the signed-in person, role checks and CSRF.

Every protected route declares the roles it admits with ``Depends(require(...))``; that
one dependency resolves the session, checks the role and, for any request that can
change something (POST, PUT, PATCH, DELETE), checks the CSRF token. A route cannot
forget the CSRF check without also forgetting the role check.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.concurrency import run_in_threadpool

from marrowscope.bootstrap import AccountServices, Settings
from marrowscope.domain.accounts.model import User
from marrowscope.domain.errors import PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.accounts import AuthService, Session
from marrowscope.services.cases import case_grant, units_of
from marrowscope.services.counting import DraftSaves
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "ALL_ROLES",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "STAFF",
    "Ctx",
    "CsrfFailed",
    "NotSignedIn",
    "PRE_SESSION_COOKIE",
    "SignedIn",
    "WebContext",
    "get_ctx",
    "DraftCredentials",
    "draft_credentials",
    "require",
    "session_of",
]

SESSION_COOKIE = "ms_session"
PRE_SESSION_COOKIE = "ms_pre"  # anonymous double-submit token for the sign-in form
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ALL_ROLES = frozenset(Role)
# the interface role is a hospital system on the FHIR API, not a person at a page
STAFF = frozenset(Role) - {Role.PATIENT, Role.INTERFACE}


class NotSignedIn(Exception):
    """No valid session: pages redirect to sign-in, the API answers 401."""


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token (answered 403)."""


@dataclass
class WebContext:
    """Everything a request handler needs, built once per app."""

    settings: Settings
    accounts: AccountServices
    templates: Jinja2Templates
    cookies: URLSafeSerializer
    extra: dict[str, Any]
    drafts: DraftSaves  # the counter's draft saves, committed together

    @property
    def auth(self) -> AuthService:
        """Sign-in and sessions."""
        return self.accounts.auth

    @property
    def stores(self) -> AccountStores:
        """Store factories of the accounts area (for ``uow.bind``)."""
        return self.accounts.stores

    def uow(self) -> UnitOfWork:
        """A fresh unit of work (use as a context manager)."""
        return self.accounts.uow_factory()


def get_ctx(request: Request) -> WebContext:
    """The app's context (set by ``create_app``)."""
    ctx: WebContext = request.app.state.ctx
    return ctx


async def _ctx(request: Request) -> WebContext:
    # async: FastAPI runs a plain ``def`` dependency in a worker thread, a hop (and a
    # GIL hand-over) per request for reading one attribute
    return get_ctx(request)


Ctx = Annotated[WebContext, Depends(_ctx)]


def session_of(request: Request, ctx: WebContext) -> Session | None:
    """The live session named by the request's cookie, if any (memoised per request)."""
    if hasattr(request.state, "session"):
        cached: Session | None = request.state.session
        return cached
    token = _signed_token(request, ctx)
    found = None if token is None else ctx.auth.resolve(token)
    request.state.session = found
    return found


def _signed_token(request: Request, ctx: WebContext) -> str | None:
    """The session token in the request's cookie, if this server signed it (no lookup)."""
    raw = request.cookies.get(SESSION_COOKIE)
    try:
        token = ctx.cookies.loads(raw, salt="session") if raw else None
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


async def _given_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it; the route reads it again
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person behind the request, their session and, for staff, their units."""

    session: Session
    units: frozenset[str] | None = None  # None: a patient or an interface account

    @property
    def user(self) -> User:
        """The account."""
        return self.session.user

    @property
    def actor(self) -> Actor:
        """The acting person for service calls, scoped to their units."""
        return replace(self.session.user.actor(), units=self.units)

    @property
    def csrf(self) -> str:
        """The token forms must carry."""
        return self.session.csrf_token


def require(*roles: Role) -> Callable[[Request], Awaitable[SignedIn]]:
    """Dependency: a signed-in person with one of ``roles`` (CSRF-checked if unsafe)."""
    allowed = frozenset(roles)

    async def dependency(request: Request) -> SignedIn:
        ctx = get_ctx(request)
        # the session lookup is a database round trip: in a worker thread, so a slow or
        # locked database never stalls the event loop that serves everyone else
        session = await run_in_threadpool(session_of, request, ctx)
        if session is None:
            raise NotSignedIn()
        if request.method in _UNSAFE and not AuthService.csrf_matches(
            session.csrf_token, await _given_csrf(request)
        ):
            raise CsrfFailed()
        if session.user.role not in allowed:
            raise PermissionDenied(f"this page is not open to the {session.user.role.value} role")
        if session.user.role in STAFF:
            return await run_in_threadpool(_in_scope, request, ctx, session)
        return SignedIn(session)

    return dependency


def _in_scope(request: Request, ctx: WebContext, session: Session) -> SignedIn:
    """Staff with their units; on a route of one case, refused (``OutOfScope``) unless it
    is theirs or opened to them by break-glass, whose grant the read audit then names.

    Checked here for every route with ``{case_id}``, whatever its use case reads, as well
    as in ``services.cases.get_case``: a route whose use case reads a case some other way
    (an export, a report by version) is still covered. The break-glass routes themselves
    are the way in, so they are not checked.
    """
    route = getattr(request.scope.get("route"), "path", "")
    raw = request.path_params.get("case_id")
    with ctx.uow() as uow:
        me = SignedIn(session, units_of(uow, session.user.id))
        if raw is None or route.endswith("/break-glass"):
            return me
        try:
            case_id = int(raw)
        except ValueError:
            return me  # the route's own validation answers 422
        grant = case_grant(uow, me.actor, case_id)
    if grant is not None:
        request.state.break_glass = grant.id
    return me


@dataclass(frozen=True, slots=True)
class DraftCredentials:
    """A counter save's session token and the CSRF token it carried, not yet checked."""

    token: str
    csrf: str | None


async def draft_credentials(request: Request, ctx: Ctx) -> DraftCredentials:
    """Dependency of the counter's draft save: the signed session cookie, unchecked.

    Unlike :func:`require`, no database lookup: the save is checked (session, CSRF token,
    role) by ``counting.DraftSaves`` in the transaction that writes it, one lookup per
    session and batch. A request without a cookie this server signed is refused here.
    ``async`` though it awaits nothing: no worker-thread hop for microseconds of work.
    """
    token = _signed_token(request, ctx)
    if token is None:
        raise NotSignedIn()
    return DraftCredentials(token, request.headers.get(CSRF_HEADER))
