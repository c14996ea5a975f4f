"""What a new password must be: long enough, not breached, not built on this system's words.

NIST SP 800-63B section 5.1.1.2 asks verifiers to refuse passwords found in breach
corpora, commonly used ones, and "context-specific words, such as the name of the
service, the username, and derivatives thereof"; composition rules (a digit, a capital)
are advised against, so there are none. Guessers try the derivatives first: case,
leetspeak (``P@ssw0rd``) and digits or symbols padded on (``Summer2024!``), so every
check runs on the password with those undone (``variants``).

The breached list is handed in by the caller (``services.accounts`` joins a package's
list to the shipped ``tables/common_passwords.txt``): the domain reads no package. The
words and lengths are ``tables/password_context.toml``, with their sources.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable
from functools import cache
from importlib import resources

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role
from marrowscope.domain.tables import load_table

__all__ = [
    "MIN_PASSWORD_CHARS",
    "MIN_STAFF_PASSWORD_CHARS",
    "check_new_password",
    "common_passwords",
    "context_words",
    "min_password_chars",
    "variants",
]

_TABLE = load_table("password_context")
MIN_PASSWORD_CHARS: int = _TABLE["length"]["patient"]  # NIST SP 800-63B §5.1.1.2
MIN_STAFF_PASSWORD_CHARS: int = _TABLE["length"]["staff"]  # OWASP ASVS V2.1.1
_MIN_DISTINCT: int = _TABLE["length"]["min_distinct"]
_MIN_OTHER_LETTERS: int = _TABLE["context"]["min_other_letters"]

# Leetspeak as guessing tools (hashcat's leetspeak rules) undo it; "1" and "|" stand for
# both "i" and "l", so each gets a variant of its own.
_LEET = {"@": "a", "4": "a", "8": "b", "3": "e", "0": "o", "$": "s", "5": "s", "7": "t"}
_LEET |= {"+": "t", "2": "z", "9": "g", "6": "g"}
_LEET_I = str.maketrans(_LEET | {"1": "i", "!": "i", "|": "i"})
_LEET_L = str.maketrans(_LEET | {"1": "l", "!": "l", "|": "l"})
_SEPARATORS = re.compile(r"[\s\-_.,;:/\\]+")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_NOT_LETTERS = re.compile(r"[^a-z]+")
# rows of the keyboard and the alphabet, read either way: "qwertyuiop12", "123456789012"
_RUNS = (
    "1234567890" * 3,
    "qwertyuiop" * 3,
    "asdfghjkl" * 3,
    "zxcvbnm" * 3,
    "abcdefghijklmnopqrstuvwxyz",
)


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


@cache
def _table_words() -> tuple[str, ...]:
    context = _TABLE["context"]
    groups = ("product", "trade", "roles", "demo", "calendar")
    return tuple(word for group in groups for word in context[group])


def min_password_chars(role: Role | None) -> int:
    """The shortest password allowed for an account of ``role`` (None: the staff rule)."""
    return MIN_PASSWORD_CHARS if role is Role.PATIENT else MIN_STAFF_PASSWORD_CHARS


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def variants(password: str) -> frozenset[str]:
    """The password as a guesser's rules would have made it: folded, de-leeted, without
    separators, without the digits and symbols padded on either end."""
    folded = _fold(password)
    forms = {folded, folded.translate(_LEET_I), folded.translate(_LEET_L)}
    forms |= {_SEPARATORS.sub("", form) for form in forms}
    # the edges are stripped of the original too: "summer2024" must not become "summerzoz4"
    forms |= {_EDGES.sub("", form) for form in (*forms, folded, _SEPARATORS.sub("", folded))}
    return frozenset(form for form in forms if form)


def context_words(*extra: str) -> tuple[str, ...]:
    """The table's words and ``extra`` (username, names), folded, split into words of
    at least three letters each."""
    words = set(_table_words())
    for text in extra:
        folded = _fold(text)
        words.add(_NOT_LETTERS.sub("", folded.translate(_LEET_I)))
        words.update(_NOT_LETTERS.split(folded))
    return tuple(sorted((w for w in words if len(w) >= 3), key=len, reverse=True))


def _is_run(password: str) -> bool:
    """Whether the password, its padding taken off, is a stretch of a keyboard row or of
    the alphabet (either way round), at least half the password."""
    for form in variants(password) | {_fold(password)}:
        core = _SEPARATORS.sub("", form)
        if len(core) * 2 >= len(password) and any(
            core in run or core[::-1] in run for run in _RUNS
        ):
            return True
    return False


def _built_on(password: str, words: Iterable[str]) -> str | None:
    """The context word the password is built on, if taking the words out leaves too
    few letters of its own; None otherwise."""
    for form in variants(password):
        letters = _NOT_LETTERS.sub("", form)
        found = None
        for word in words:  # longest first: "haematologist" before "haematology"
            if word in letters:
                found = found or word
                letters = letters.replace(word, "")
        if found is not None and len(letters) < _MIN_OTHER_LETTERS:
            return found
    return None


def check_new_password(
    password: str,
    username: str = "",
    *,
    role: Role | None = None,
    context: Iterable[str] = (),
    breached: Container[str] | None = None,
) -> None:
    """``InvalidInput`` naming the rule a new password breaks; nothing if it is fine.

    ``context``: further words of this site (display name, laboratory, institution);
    ``breached``: lower-cased passwords to refuse (default: the shipped 1,000).
    """
    shortest = min_password_chars(role)
    if len(password) < shortest:
        raise InvalidInput(f"password: at least {shortest} characters are needed")
    if len(set(_fold(password))) < _MIN_DISTINCT:
        raise InvalidInput("password: too few different characters; choose another")
    if _is_run(password):
        raise InvalidInput("password: a run of neighbouring keys or letters; choose another")
    listed = common_passwords() if breached is None else breached
    if any(form in listed or form in common_passwords() for form in variants(password)):
        raise InvalidInput(
            "password: this password (or one a guesser derives from it) is in a list of "
            "breached or common passwords; choose another"
        )
    name = _fold(username)
    if name and any(form == name or form == name[::-1] for form in variants(password)):
        raise InvalidInput("password: must not be the username")
    word = _built_on(password, context_words(username, *context))
    if word is not None:
        raise InvalidInput(
            f"password: it is built on {word!r}, a word guessers try first here "
            "(the username, this system's or the laboratory's name); choose another"
        )
