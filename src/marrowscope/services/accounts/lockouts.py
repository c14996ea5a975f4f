"""Telling an account holder that their account was paused after wrong passwords.

A pause the holder never hears of is either a guesser they should know about or a
colleague's typos they cannot explain; so each pause leaves a notice shown at their next
sign-in, an audit entry (docs/audit.md), a log line (the account's id and the numbers,
never a name: a patient's username can identify them) and a call to ``notifier``, the
hook where an e-mail or webhook sender plugs in (none is wired yet).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.accounts.limits import Lockout
from marrowscope.domain.accounts.model import User
from marrowscope.domain.audit import AuditAction
from marrowscope.services.audit import record_sign_in_event
from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["AccountNoticeStore", "LockoutEvent", "LockoutNotifier", "Lockouts"]

_log = logging.getLogger("marrowscope.security")


class AccountNoticeStore(Protocol):
    """Notices waiting for an account holder (implemented in ``db.security_tables``)."""

    def add(self, user_id: int, text: str, at: datetime) -> None: ...

    def take_unseen(self, user_id: int, at: datetime) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class LockoutEvent:
    """One pause of one account: what was paused (sign-in or signing), until when."""

    user_id: int
    username: str
    what: str
    until: datetime
    failures: int


LockoutNotifier = Callable[[LockoutEvent], None]


class Lockouts:
    """Records, logs and hands on each pause; gives the holder their notices once."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        notices: Callable[[Any], AccountNoticeStore] | None = None,
        notifier: LockoutNotifier | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._notices = notices
        self.notifier = notifier

    def announce(self, user: User | None, lockouts: Sequence[Lockout]) -> None:
        """Tell the holder of ``user`` about ``lockouts`` (an unknown name: only a log line)."""
        for lockout in lockouts:
            what = "signing" if lockout.key.startswith("sign:") else "sign-in"
            with self._uow_factory() as uow:
                seconds = int((lockout.until - uow.now()).total_seconds())
                detail = f"{what} paused {seconds} s after {lockout.failures} wrong passwords"
                kind, _, value = lockout.key.partition(":")
                record_sign_in_event(
                    uow, AuditAction.LOCKOUT, user_id=None if user is None else user.id,
                    typed_username=value if user is None and kind == "user" else "",
                    client=value if kind == "client" else "", detail=detail,
                )  # fmt: skip
                if user is not None and self._notices is not None:
                    text = (
                        f"{what.capitalize()} with your account was paused for {seconds} "
                        f"seconds at {uow.now():%Y-%m-%d %H:%M} UTC after {lockout.failures} "
                        "wrong passwords in a row. If that was not you, tell the administrator."
                    )
                    uow.bind(self._notices).add(user.id, text, uow.now())
                uow.commit()
            if user is None:
                _log.warning("%s paused for an unknown username", what)
                continue
            _log.warning(
                "account id %s: %s paused for %s s after %s wrong passwords",
                user.id, what, seconds, lockout.failures,
            )  # fmt: skip
            if self.notifier is not None:
                event = LockoutEvent(user.id, user.username, what, lockout.until, lockout.failures)
                self.notifier(event)

    def take(self, user_id: int) -> tuple[str, ...]:
        """The holder's unseen notices, now marked seen (shown once, at sign-in)."""
        if self._notices is None:
            return ()
        with self._uow_factory() as uow:
            texts = uow.bind(self._notices).take_unseen(user_id, uow.now())
            uow.commit()
        return tuple(texts)
