"""Sign-in limits kept in the database, so that they hold across server processes.

The same policy as ``auth.LoginThrottle`` (per username, and higher per client address,
within a sliding window; OWASP Authentication Cheat Sheet, "Protect against automated
attacks"), but the failures live in the ``sign_in_failures`` table: a second uvicorn
worker or a restarted server sees the same count. Times come from the unit of work's
clock, so tests move time without sleeping. Two guesses landing in the same instant on
two processes can each pass the check before either is written; the limit can be
overshot by the number of processes, never reset by them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from marrowscope.domain.errors import TooManyAttempts
from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["SignInFailureStore", "StoredThrottle"]


class SignInFailureStore(Protocol):
    """Persistence of failed sign-ins (implemented in ``db.security_tables``)."""

    def recent(self, key: str, since: datetime) -> tuple[int, datetime | None]: ...

    def add(self, keys: Sequence[str], at: datetime) -> None: ...

    def clear(self, key: str) -> None: ...

    def forget_before(self, moment: datetime) -> None: ...


class StoredThrottle:
    """``check``/``fail``/``succeed`` of ``LoginThrottle``, on the database."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        store: Callable[[Any], SignInFailureStore],
        max_failures: int,
        max_failures_per_client: int,
        window_s: float,
    ) -> None:
        self._uow_factory = uow_factory
        self._store = store
        self._max = max_failures
        self._max_client = max_failures_per_client
        self._window = timedelta(seconds=window_s)

    def check(self, *keys: str) -> None:
        """Raise ``TooManyAttempts`` if any key is over its limit."""
        with self._uow_factory() as uow:
            now = uow.now()
            failures = uow.bind(self._store)
            for key in keys:
                count, oldest = failures.recent(key, now - self._window)
                limit = self._max_client if key.startswith("client:") else self._max
                if count >= limit and oldest is not None:
                    wait_s = int((self._window - (now - oldest)).total_seconds()) + 1
                    raise TooManyAttempts(
                        f"too many failed sign-ins; try again in {max(wait_s, 1)} seconds"
                    )

    def fail(self, *keys: str) -> None:
        """Record one failure under each key (and forget failures past the window)."""
        with self._uow_factory() as uow:
            now = uow.now()
            failures = uow.bind(self._store)
            failures.forget_before(now - self._window)
            failures.add(keys, now)
            uow.commit()

    def succeed(self, username_key: str) -> None:
        """A successful sign-in clears that username's failures (not the address's)."""
        with self._uow_factory() as uow:
            uow.bind(self._store).clear(username_key)
            uow.commit()
