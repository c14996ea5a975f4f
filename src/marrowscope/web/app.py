"""The web application factory: ``create_app(settings)`` builds a ready FastAPI app.

Server-rendered pages (Jinja2) for every role, a small script for the counter, and a
JSON API under ``/api`` behind the same sign-in. Nothing here holds clinical rules:
routers call services and render what they return.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeSerializer

from marrowscope import __version__
from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_alert_duties,
    build_engine,
    build_privacy_channels,
    build_uow_factory,
    get_settings,
)
from marrowscope.domain.alerts.model import level_words
from marrowscope.domain.roles import Actor
from marrowscope.services.accounts import AuthService
from marrowscope.services.alerts import run_alert_duties
from marrowscope.services.cases import units_of
from marrowscope.services.counting import DraftSaves, SessionLookup
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.web.alert_banner import local_words
from marrowscope.web.alerts.duties import alert_duties_lifespan
from marrowscope.web.audit_trail import ReadAudit
from marrowscope.web.deps import WebContext
from marrowscope.web.errors import install_error_handlers
from marrowscope.web.middleware import HeadersAndLog
from marrowscope.web.origin_check import OriginCheck
from marrowscope.web.path_ids import ids_in_range
from marrowscope.web.pathway.portal_text import paragraphs, tel_href, with_phone
from marrowscope.web.readable import install as install_readable

__all__ = ["ROUTERS", "create_app"]

_HERE = Path(__file__).parent
_log = logging.getLogger("marrowscope.web")

# Router modules under marrowscope.web, named <capability>.<module>; each defines ``router``.
ROUTERS: tuple[str, ...] = (
    "counting.api",  # first: the draft save is the busiest route; routes match in order
    "accounts.auth",
    "accounts.admin",
    "counting.counter",
    "pathway.clinician",
    "pathway.nursing",
    "lab.pages",
    "reporting.pathologist",
    "pathway.patient",
    "accounts.session_api",
    "cases.api",
    "cases.pages",
    "cases.access",
    "pathway.cbc_api",
    "interop.api",
    "interop.fhir_rest",
    "interop.messages",
    "lab.overdue_api",
    "counting.reading_api",
    "docs",
    "ai_review.review",
    "ai_review.fields",
    "counting.count_log",
    "alerts.pages",
    "accounts.account",
    "accounts.two_step",
    "accounts.sessions",
    "accounts.security",
    "accounts.security_api",
    "alerts.api",
    "reporting.release",
    "reporting.ordering_pdf",
    # the JSON twins of the pages' actions, one module per capability
    "lab.api",
    "reporting.api",
    "ai_review.api",
    "pathway.api",
    "accounts.api",
    "diagnosis.api",
    "diagnosis.adopt",
    "diagnosis.followup",
    "diagnosis.context",
    "quality.dashboard",
    "quality.calls",
)

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _session_lookup(auth: AuthService) -> SessionLookup:
    """The counter's group commit checks sessions through the accounts area; each person
    comes with their units, so a draft save is scoped to its count's case (docs/access.md)."""

    def lookup(uow: UnitOfWork, tokens: Collection[str]) -> dict[str, tuple[Actor, str]]:
        live = auth.resolve_many_in(uow, tokens)
        return {
            token: (replace(s.user.actor(), units=units_of(uow, s.user.id)), s.csrf_token)
            for token, s in live.items()
        }

    return lookup


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """A FastAPI app on the database named by ``settings`` (migrated beforehand).

    ``clock`` (tests only) replaces the database units' clock: session expiry, sign-in
    limits and alert escalation are then checked against it.
    """
    chosen = settings or get_settings()
    engine = build_engine(chosen)
    accounts = build_account_services(build_uow_factory(engine, clock, chosen), chosen)
    # escalate unacknowledged urgent alerts and send notifications (docs/alerts.md)
    policy, channels = build_alert_duties(chosen)
    privacy = build_privacy_channels(chosen)  # break-glass grants (docs/access.md)
    duties = partial(run_alert_duties, accounts.uow_factory, policy, channels, privacy=privacy)
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    templates.env.globals["version"] = __version__
    # levels in words and times in the lab's zone on staff pages
    templates.env.filters["level_words"] = level_words
    templates.env.filters["local_time"] = partial(local_words, zone=chosen.timezone)
    # patient text reflows on a phone and names the number to call
    templates.env.filters["with_phone"] = partial(with_phone, phone=chosen.care_team_phone)
    templates.env.filters["paragraphs"] = partial(paragraphs, phone=chosen.care_team_phone)
    templates.env.filters["tel_href"] = tel_href
    install_readable(templates.env, chosen.timezone)  # labels, units, local times
    app = FastAPI(
        title="marrowscope",
        version=__version__,
        description="Bone marrow examination: pathway, differential counter, reports.",
        docs_url=None,  # served by web/docs.py behind sign-in, without a CDN
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(ids_in_range)],  # no id beyond 64 bits reaches a route
        lifespan=alert_duties_lifespan(duties, chosen.alert_check_seconds),
    )
    app.state.ctx = WebContext(
        settings=chosen,
        accounts=accounts,
        templates=templates,
        cookies=URLSafeSerializer(chosen.secret_key),
        extra={"engine": engine},
        drafts=DraftSaves(accounts.uow_factory, accounts.stores, _session_lookup(accounts.auth)),
    )
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    for name in ROUTERS:
        module = importlib.import_module(f"marrowscope.web.{name}")
        app.include_router(module.router)

    # writes from another site's pages are refused before any route (web/origin_check.py)
    origins = [chosen.public_url, *chosen.allowed_origins.split(",")]
    app.add_middleware(OriginCheck, allowed=[o for o in origins if o.strip()])
    app.add_middleware(ReadAudit)  # each read of a case or patient audited (docs/audit.md)
    app.add_middleware(HeadersAndLog, headers=_SECURITY_HEADERS)
    return app
