"""The sign-in limits of ``domain.accounts.limits`` kept in one process's memory.

The server keeps them in the database (``sign_in_limits.StoredThrottle``) so that they
hold across processes; this keeper serves tests and a one-process server. Both take the
check and the count in one step, before the password hash is checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from marrowscope.domain.accounts.limits import (
    FAILURE_WINDOW_S,
    MAX_FAILURES,
    MAX_FAILURES_PER_CLIENT,
    LimitPolicy,
    LimitState,
    Lockout,
)

__all__ = ["LoginThrottle"]


class LoginThrottle:
    """``attempt``/``succeed`` on a dictionary under a lock."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        max_failures_per_client: int = MAX_FAILURES_PER_CLIENT,
        window_s: float = FAILURE_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        policy: LimitPolicy | None = None,
    ) -> None:
        self.policy = policy or LimitPolicy(max_failures, max_failures_per_client, window_s)
        self._clock = clock
        self._states: dict[str, LimitState] = {}
        self._lock = threading.Lock()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def attempt(self, *keys: str) -> tuple[Lockout, ...]:
        """Check and count one attempt under every key at once (nothing counted if refused)."""
        now = self._now()
        with self._lock:
            before = {key: self._states.get(key, LimitState()) for key in keys}
            after = {key: self.policy.reserve(key, before[key], now) for key in keys}
            self._states.update(after)
        return self.policy.lockouts(before, after)

    def succeed(self, *keys: str) -> None:
        """The password was right: hand the attempt back."""
        with self._lock:
            for key in keys:
                state = self._states.get(key, LimitState())
                self._states[key] = self.policy.after_success(key, state)
