"""The account stores' bundle and the store ports it bundles.

``AccountStores`` is what ``bootstrap`` hands to the account, session, keymap and slide
count use cases (``services.accounts``, ``services.counting``, ``services.ai_review``):
each field builds one store on a unit of work's session (``uow.bind``). It lives here,
apart from all of them, so that they import it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from marrowscope.domain.accounts.model import Keymap, NewUser, SessionInfo, StoredSession, User
from marrowscope.domain.counting.slide_counts import CountStatus, SlideCount
from marrowscope.domain.counting.taxonomy import CellClass

__all__ = ["AccountStores", "KeymapStore", "SessionStore", "SlideCountStore", "UserStore"]


class UserStore(Protocol):
    """Persistence of accounts (implemented in ``db.auth_tables``)."""

    def add(self, new: NewUser) -> User: ...

    def get(self, user_id: int) -> User | None: ...

    def by_username(self, username: str) -> tuple[User, str] | None:
        """The user and their password hash."""
        ...

    def all(self) -> Sequence[User]: ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_provider_id(self, user_id: int, provider_id: str, id_type: str) -> None:
        """Set (or clear, with '') the account's provider identifier and its type."""
        ...


class SessionStore(Protocol):
    """Persistence of sessions (implemented in ``db.auth_tables``)."""

    def create(self, token_hash: str, session: StoredSession) -> None: ...

    def create_capped(self, token_hash: str, session: StoredSession, cap: int) -> int:
        """Create it, then end the account's oldest sessions beyond ``cap`` (how many
        ended); two sign-ins of one account at once queue on the account's row."""
        ...

    def for_user(self, user_id: int) -> list[tuple[str, SessionInfo]]:
        """The account's sessions, newest first, each by its token hash."""
        ...

    def get(self, token_hash: str) -> StoredSession | None: ...

    def get_many_with_users(
        self, token_hashes: Collection[str]
    ) -> dict[str, tuple[StoredSession, User | None]]:
        """Those of the sessions that exist, by token hash, each with its account, in one
        statement (the counter's group commit checks a batch's sessions this way)."""
        ...

    def delete(self, token_hash: str) -> None: ...

    def delete_expired(self, now: datetime) -> int: ...

    def touch(self, token_hash: str, at: datetime) -> None: ...

    def touch_many(self, token_hashes: Collection[str], at: datetime) -> None: ...

    def delete_for_user(self, user_id: int, *, keep: str | None = None) -> int: ...


class KeymapStore(Protocol):
    """Persistence of keymaps (implemented in ``db.auth_tables``)."""

    def for_user(self, user_id: int) -> Sequence[Keymap]: ...

    def put(self, user_id: int, keymap: Keymap) -> None: ...

    def remove(self, user_id: int, name: str) -> None: ...


class SlideCountStore(Protocol):
    """Persistence of slide counts (implemented in ``db.counter_tables``)."""

    def add(self, case_id: int, slide_label: str, target: int, counted_by: str) -> SlideCount: ...

    def get(self, count_id: int) -> SlideCount | None: ...

    def get_for_update(self, count_id: int) -> SlideCount | None:
        """The count, locked for writing until the unit of work ends."""
        ...

    def many_for_update(self, count_ids: Sequence[int]) -> dict[int, SlideCount]:
        """Those of the counts that exist, by id, locked until the unit of work ends."""
        ...

    def save_drafts(self, states: Sequence[SlideCount]) -> None:
        """Store each state unless a newer version is stored (rows locked by the caller)."""
        ...

    def for_case(self, case_id: int) -> Sequence[SlideCount]: ...

    def save_state(
        self,
        count_id: int,
        counts: Mapping[CellClass, int],
        version: int,
        status: CountStatus,
        by: str,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> SlideCount:
        """Store the state if ``version`` is newer than the stored one; return what is stored.

        ``at`` is the unit of work's clock (the time the record and its audit entry share;
        exports date the differential by it); the store's own clock when not given.
        """
        ...

    def history(self, count_id: int) -> list[dict[str, object]]:
        """Earlier states of a saved count, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class AccountStores:
    """Factories that build each store on a unit of work's session (``uow.bind``).

    ``bootstrap`` fills this with the SQL stores; services never name the database.
    """

    users: Callable[[Any], UserStore]
    sessions: Callable[[Any], SessionStore]
    keymaps: Callable[[Any], KeymapStore]
    slide_counts: Callable[[Any], SlideCountStore]
