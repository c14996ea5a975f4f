"""Sign-in limits kept in the database, so that they hold across server processes.

The rules are ``limit_policy``'s; here each key is one row of ``sign_in_limits``, and an
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
from marrowscope.services.unit_of_work import UnitOfWorkFactory

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
            before = limits.lock(sorted(set(keys)), now)
            after = {key: self.policy.reserve(key, before[key], now) for key in before}
            limits.save(after, now)
            quiet = max(self.policy.forget_s, self.policy.window_s)
            limits.forget_before(now - timedelta(seconds=quiet))
            uow.commit()
        return self.policy.lockouts(before, after)

    def succeed(self, *keys: str) -> None:
        """The password was right: hand the attempt back under every key."""
        with self._uow_factory() as uow:
            now = uow.now()
            limits = uow.bind(self._store)
            before = limits.lock(sorted(set(keys)), now)
            limits.save(
                {key: self.policy.after_success(key, state) for key, state in before.items()},
                now,
            )
            uow.commit()
