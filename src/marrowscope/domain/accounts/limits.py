"""How failed sign-ins slow a guesser down: the rules (kept by ``services.accounts``).

Every attempt is counted *before* the password is checked, in the same step as the limit
is checked (``reserve``): twenty guesses sent at once cannot all pass a check that none
of them has been counted in yet. A right password then hands its reservation back
(``after_success``).

Keys say what is limited, and each kind has its rule:

- ``user:NAME`` (an account, from an unknown device), ``device:ID`` (an account from a
  device where it signed in before) and ``sign:NAME`` (the password typed at a
  signature): exponential backoff. The ``max_failures``-th failure in a row pauses the
  key for ``first_block_s``, each later one for twice as long up to ``longest_block_s``;
  a right password, or ``forget_s`` of quiet, starts the count again. Attempts refused
  while paused are not counted, so hammering a paused account does not lengthen its
  pause.
- ``client:ADDRESS``: at most ``max_failures_per_client`` failures in a fixed window.
  A ward behind one NAT shares the address, so this limit never applies to a known
  device (the caller leaves the key out; see ``services.accounts.AuthService.sign_in``).

Signing has its own key, so wrong passwords at a signature never pause sign-in (and a
stolen session guessing at the signature box meets the same backoff as a sign-in form).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from marrowscope.domain.errors import TooManyAttempts

__all__ = [
    "FAILURE_WINDOW_S",
    "MAX_FAILURES",
    "MAX_FAILURES_PER_CLIENT",
    "LimitPolicy",
    "LimitState",
    "Lockout",
]

MAX_FAILURES = 5  # failures in a row before an account (or a signature) is paused
# Per address the limit is higher: a ward's computers may share one address, and one
# person's typos must not lock out the whole ward.
MAX_FAILURES_PER_CLIENT = 30
FAILURE_WINDOW_S = 300.0  # the address limit's window


@dataclass(frozen=True, slots=True)
class LimitState:
    """One key's count: failures, since when, and until when it is paused."""

    failures: int = 0
    since: datetime | None = None  # the window's start (address) or the last failure
    blocked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Lockout:
    """A key that an attempt has just paused, and until when."""

    key: str
    until: datetime
    failures: int


def _wait_words(key: str, seconds: float) -> str:
    wait = max(int(seconds) + 1, 1)
    if key.startswith("sign:"):
        return f"password: too many wrong passwords at signing; try again in {wait} seconds"
    return f"too many failed sign-ins; try again in {wait} seconds"


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    """The numbers of the rules above (the defaults are the server's)."""

    max_failures: int = MAX_FAILURES
    max_failures_per_client: int = MAX_FAILURES_PER_CLIENT
    window_s: float = FAILURE_WINDOW_S
    first_block_s: float = 60.0
    longest_block_s: float = 900.0
    forget_s: float = 86_400.0

    def reserve(self, key: str, state: LimitState, now: datetime) -> LimitState:
        """The state with this attempt counted; ``TooManyAttempts`` while over the limit."""
        if key.startswith("client:"):
            window = timedelta(seconds=self.window_s)
            if state.since is None or now - state.since >= window:
                state = LimitState(0, now)
            if state.failures >= self.max_failures_per_client:
                assert state.since is not None
                raise TooManyAttempts(
                    _wait_words(key, (window - (now - state.since)).total_seconds())
                )
            return LimitState(state.failures + 1, state.since)
        if state.blocked_until is not None and now < state.blocked_until:
            raise TooManyAttempts(_wait_words(key, (state.blocked_until - now).total_seconds()))
        quiet = state.since is None or now - state.since >= timedelta(seconds=self.forget_s)
        failures = 1 if quiet else state.failures + 1
        blocked = None
        if failures >= self.max_failures:
            doubling = min(failures - self.max_failures, 20)
            pause = min(self.first_block_s * 2**doubling, self.longest_block_s)
            blocked = now + timedelta(seconds=pause)
        return LimitState(failures, now, blocked)

    @staticmethod
    def after_success(key: str, state: LimitState) -> LimitState:
        """A right password: an account's count starts again; an address gets its one back."""
        if key.startswith("client:"):
            return LimitState(max(state.failures - 1, 0), state.since)
        return LimitState()

    @staticmethod
    def lockouts(
        before: dict[str, LimitState], after: dict[str, LimitState]
    ) -> tuple[Lockout, ...]:
        """The keys this attempt paused (an attempt is only counted when none was paused)."""
        return tuple(
            Lockout(key, state.blocked_until, state.failures)
            for key, state in after.items()
            if state.blocked_until is not None and before[key].blocked_until != state.blocked_until
        )
