"""A cursor over the karyotype string that knows where it is, for errors that say where.

Positions are 0-based inside and 1-based in every message (see ``KaryotypeSyntaxError``).
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.karyotype.errors import KaryotypeSyntaxError

__all__ = ["Cursor"]


class Cursor:
    """Reads a string left to right; ``fail`` builds the positioned error."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    @property
    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self, length: int = 1) -> str:
        return self.text[self.pos : self.pos + length]

    def found(self) -> str:
        """What stands at the cursor, quoted, for "expected X, found Y" messages."""
        return "the end of the string" if self.at_end else f'"{self.text[self.pos]}"'

    def fail(self, message: str, at: int | None = None) -> KaryotypeSyntaxError:
        return KaryotypeSyntaxError(message, (self.pos if at is None else at) + 1)

    def expected(self, what: str) -> KaryotypeSyntaxError:
        return self.fail(f"expected {what}, found {self.found()}")

    def take(self, literal: str) -> bool:
        """Advance past ``literal`` if it stands at the cursor."""
        if self.text.startswith(literal, self.pos):
            self.pos += len(literal)
            return True
        return False

    def expect(self, literal: str, what: str | None = None) -> None:
        if not self.take(literal):
            raise self.expected(what or f'"{literal}"')

    def close(self, opened_at: int) -> None:
        """Take the ")" matching the "(" at ``opened_at``, or say it is missing."""
        if not self.take(")"):
            raise self.fail(
                f'missing ")" to close the "(" at position {opened_at + 1} before position '
                f"{self.pos + 1} (found {self.found()})"
            )

    def digits(self) -> str:
        start = self.pos
        while not self.at_end and self.text[self.pos].isdigit():
            self.pos += 1
        return self.text[start : self.pos]

    def number(self, what: str) -> int:
        text = self.digits()
        if not text:
            raise self.expected(what)
        return int(text)

    def letters(self) -> str:
        start = self.pos
        while not self.at_end and self.text[self.pos].isalpha() and self.text[self.pos].islower():
            self.pos += 1
        return self.text[start : self.pos]

    def skip_spaces(self) -> None:
        while not self.at_end and self.text[self.pos] in " \t":
            self.pos += 1
