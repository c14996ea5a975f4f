"""Sign-in limits kept in the database, so that they hold across server processes.

The rules are ``limit_policy``'s; here each key is one row of ``sign_in_limits`` (under a
keyed pseudonym, so no typed username is stored in clear), and an
attempt is checked and counted in ONE transaction that holds the key's row: the store
locks it (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's writing units begin with
``BEGIN IMMEDIATE``), so concurrent guesses queue on the row and the sixth sees the five
before it. The password hash is checked after that transaction, never inside it, so a
slow hash does not hold the lock. Times come from the unit of work's clock, so tests
move time without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from marrowscope.domain.accounts.limits import LimitPolicy, LimitState, Lockout
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["SignInLimitStore", "StoredThrottle"]


class SignInLimitStore(Protocol):
    """Persistence of the limits (implemented in ``db.security_tables``)."""

    def lock(self, keys: Sequence[str], at: datetime) -> dict[str, LimitState]:
        """Each key's state, its row created if missing and held until the commit."""
        ...

    def save(self, states: Mapping[str, LimitState], at: datetime) -> None: ...

    def forget_before(self, moment: datetime) -> None: ...


class StoredThrottle:
    """``attempt``/``succeed`` of ``LoginThrottle``, on the database."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        store: Callable[[Any], SignInLimitStore],
        policy: LimitPolicy | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._store = store
        self.policy = policy or LimitPolicy()

    def attempt(self, *keys: str) -> tuple[Lockout, ...]:
        """Check and count one attempt under every key, atomically; ``TooManyAttempts``
        (and nothing counted) while any key is over its limit."""
        with self._uow_factory() as uow:
            now = uow.now()
            limits = uow.bind(self._store)
            stored = _stored_keys(uow, keys)
            before = {stored[p]: s for p, s in limits.lock(sorted(stored), now).items()}
            after = {key: self.policy.reserve(key, before[key], now) for key in before}
            limits.save({p: after[key] for p, key in stored.items()}, now)
            quiet = max(self.policy.forget_s, self.policy.window_s)
            limits.forget_before(now - timedelta(seconds=quiet))
            uow.commit()
        return self.policy.lockouts(before, after)

    def succeed(self, *keys: str) -> None:
        """The password was right: hand the attempt back under every key."""
        with self._uow_factory() as uow:
            now = uow.now()
            limits = uow.bind(self._store)
            stored = _stored_keys(uow, keys)
            before = limits.lock(sorted(stored), now)
            limits.save(
                {p: self.policy.after_success(stored[p], state) for p, state in before.items()},
                now,
            )
            uow.commit()


def _stored_keys(uow: UnitOfWork, keys: Sequence[str]) -> dict[str, str]:
    """Each key as stored (its kind, then a keyed pseudonym of the rest) -> the key.

    A "user:" key holds whatever was typed as a username, sometimes a password; the
    table keeps only the audit key's pseudonym of it (docs/audit.md), never the text.
    """
    stored = {}
    for key in set(keys):
        kind, _, value = key.partition(":")
        stored[f"{kind}:{uow.audit.pseudonym(value)}"] = key
    return stored
