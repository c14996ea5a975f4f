"""A person's own sessions, listed and ended by them; all of an account's, ended by an admin.

Every request looks its session up in the database (``AuthService.resolve``), so a
session ended here is refused at its very next request, in every server process. A
session is named by the start of its token's hash (``SessionInfo.id``): the owner can
tell them apart, and nobody can turn the name back into a cookie.
"""

from __future__ import annotations

import hashlib
import re

from marrowscope.domain.accounts.model import SessionInfo
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidInput, NotFound, PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.accounts.auth import AuthService, Session
from marrowscope.services.audit import record_audit

__all__ = ["end_other_sessions", "end_session", "end_user_sessions", "list_sessions"]

_SESSION_ID = re.compile(r"[0-9a-f]{16}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def list_sessions(auth: AuthService, me: Session) -> list[SessionInfo]:
    """The signed-in person's sessions, newest first; the one asking is marked current."""
    mine = _digest(me.token)
    with auth.uow_factory() as uow:
        found = uow.bind(auth.stores.sessions).for_user(me.user.id)
    return [
        SessionInfo(i.id, i.created_at, i.last_seen_at, i.client, i.agent, digest == mine)
        for digest, i in found
    ]


def end_session(auth: AuthService, me: Session, session_id: str) -> None:
    """End one of one's own sessions (``NotFound`` for another person's or an unknown id)."""
    if not _SESSION_ID.fullmatch(session_id):
        raise InvalidInput("session: a session id is 16 hexadecimal characters")
    with auth.uow_factory() as uow:
        sessions = uow.bind(auth.stores.sessions)
        digests = [d for d, info in sessions.for_user(me.user.id) if info.id == session_id]
        if not digests:
            raise NotFound(f"session: you have no session {session_id}")
        for digest in digests:
            sessions.delete(digest)
        uow.commit()


def end_other_sessions(auth: AuthService, me: Session) -> int:
    """End every session of one's account but this one; how many ended."""
    with auth.uow_factory() as uow:
        ended = uow.bind(auth.stores.sessions).delete_for_user(me.user.id, keep=_digest(me.token))
        uow.commit()
    return ended


def end_user_sessions(auth: AuthService, actor: Actor, user_id: int) -> int:
    """An admin ends every session of an account (a lost badge, a leaver); audited."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin can end another person's sessions")
    with auth.uow_factory() as uow:
        if uow.bind(auth.stores.users).get(user_id) is None:
            raise NotFound(f"no user {user_id}")
        ended = uow.bind(auth.stores.sessions).delete_for_user(user_id)
        record_audit(
            uow, actor, "user", user_id, AuditAction.UPDATE,
            {"sessions": "open"}, {"sessions": f"{ended} ended by an admin"},
        )  # fmt: skip
        uow.commit()
    return ended
