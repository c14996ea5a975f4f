"""Helpers of the API walks (issue 18 section 6): sign in over the API, read the audit log.

A walk signs in as each demo account in turn on one client (the session cookie is the
client's), sends the CSRF token it was given in ``X-CSRF-Token``, and checks after every
write that the audit log gained the row the page's action writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS
from marrowscope.web.app import create_app

PASSWORDS = {u.username: u.password for u in DEMO_USERS}


@contextmanager
def demo_web(folder: Path, **settings: Any) -> Iterator[tuple[TestClient, DemoIds]]:
    """A client of the app on a fresh SQLite file seeded with the demo."""
    config = Settings(database_url=f"sqlite:///{folder / 'demo.db'}", **settings)
    ids = prepare_demo(config)
    with TestClient(create_app(config)) as client:
        yield client, ids


def csrf_token(client: TestClient, username: str) -> str:
    """Sign in over the API as ``username`` (a fresh session); its CSRF token."""
    client.cookies.clear()
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def api_session(client: TestClient, username: str) -> dict[str, str]:
    """Sign in over the API as ``username``; the headers a write then needs."""
    return {"X-CSRF-Token": csrf_token(client, username)}


# entries that record no change: reads, sign-ins and refusals (docs/audit.md)
_NOT_CHANGES = "('view', 'sign_in', 'sign_in_failed', 'lockout', 'refused')"


@dataclass
class AuditLog:
    """The audit log of the walk's database, read from the last row seen onwards."""

    url: str
    seen: int = 0

    def new_rows(self) -> list[tuple[str, str, str]]:
        """(entity, action, actor) of each change written since the last call."""
        engine = sa.create_engine(self.url)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, entity, action, actor_username FROM audit_log WHERE id > :seen "
                    "AND action NOT IN " + _NOT_CHANGES + " ORDER BY id"
                ),
                {"seen": self.seen},
            ).all()
        engine.dispose()
        if rows:
            self.seen = int(rows[-1][0])
        return [(str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def skip(self) -> None:
        """Forget what was written so far (the demo's seed)."""
        self.new_rows()
