"""The one error a karyotype string is refused with, and where in the string it went wrong."""

from __future__ import annotations

from marrowscope.domain.errors import InvalidInput

__all__ = ["KaryotypeSyntaxError"]


class KaryotypeSyntaxError(InvalidInput):
    """An ISCN string that cannot be read, or that says something impossible.

    ``position`` is 1-based (the first character of the string is 1) so that the message
    matches what a person counts in a report; it points at the character where reading
    stopped, or one past the end when the string ended too early.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"karyotype position {position}: {message}")
        self.position = position
        self.reason = message
