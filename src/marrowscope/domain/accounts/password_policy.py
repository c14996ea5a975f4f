"""What a new password must be: long enough, and not one that guessers try first.

NIST SP 800-63B section 5.1.1.2 asks for at least 8 characters and for refusing
passwords found in breach corpora or commonly used; composition rules (a digit, a
capital) are advised against, so there are none. The list is the 1,000 most common
passwords (``tables/common_passwords.txt``, with its source and licence).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from marrowscope.domain.errors import InvalidInput

__all__ = ["MIN_PASSWORD_CHARS", "check_new_password", "common_passwords"]

MIN_PASSWORD_CHARS = 8  # NIST SP 800-63B §5.1.1.2: at least 8 characters


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-cased (comment lines start with ``#``)."""
    text = (
        resources.files("marrowscope.domain.tables")
        .joinpath("common_passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_new_password(password: str, username: str = "") -> None:
    """``InvalidInput`` naming the rule a new password breaks; nothing if it is fine."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_CHARS} characters are needed")
    folded = password.strip().lower()
    if folded in common_passwords():
        raise InvalidInput("password: this is one of the most common passwords; choose another")
    if username and folded == username.strip().lower():
        raise InvalidInput("password: must not be the username")
