"""Composition root: builds the adapters from Settings and hands them to services.

The web app and the CLI ask this module for ready services; nothing below it reads
the environment.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from marrowscope.config import Settings, get_settings
from marrowscope.services.auth import AuthService
from marrowscope.services.keymaps import KeymapStore
from marrowscope.services.slide_counts import SlideCountStore
from marrowscope.services.users import UserStore

__all__ = ["AccountServices", "Settings", "build_account_services", "get_settings"]


# --- accounts, sessions and the differential counter (web app, issue 6) ---


@dataclass(frozen=True, slots=True)
class AccountServices:
    """Stores and services the web app needs for sign-in, keymaps and slide counts."""

    engine: Engine
    users: UserStore
    keymaps: KeymapStore
    slide_counts: SlideCountStore
    auth: AuthService


def build_account_services(engine: Engine) -> AccountServices:
    """Wire the SQL stores of the "auth" branch to their services on ``engine``."""
    from marrowscope.db.auth_tables import SqlKeymapStore, SqlSessionStore, SqlUserStore
    from marrowscope.db.counter_tables import SqlSlideCountStore

    users = SqlUserStore(engine)
    return AccountServices(
        engine=engine,
        users=users,
        keymaps=SqlKeymapStore(engine),
        slide_counts=SqlSlideCountStore(engine),
        auth=AuthService(users, SqlSessionStore(engine)),
    )
