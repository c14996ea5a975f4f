"""A tolerant ER7 reader for incoming HL7 v2 messages: bytes decoded, segments split.

Real senders (analysers, LIS, interface engines) send versions 2.3.1 to 2.5.1, Z-segments
anywhere, Latin-1 text, newline or CR terminators. A schema-driven parser refuses most of
that, so incoming messages are read here by the encoding rules alone: one pass over the
text (linear time), a size limit checked first, and every problem an ``InvalidMessage``
with its HL7 error code (table 0357) for the ACK. What a field means is decided by the
message readers (``cbc``), not here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from marrowscope.domain.errors import InvalidMessage

__all__ = ["MAX_MESSAGE_BYTES", "Er7Message", "Segment", "decode", "message_digest", "read_er7"]

MAX_MESSAGE_BYTES = 1_000_000  # a CBC is a few kB; a PDF report in ED stays well below

# MSH-18 character sets (HL7 table 0211) and the Python codec that decodes them
_CHARSETS = {
    "": "utf-8",
    "ASCII": "ascii",
    "8859/1": "latin-1",
    "8859/15": "iso8859-15",
    "UNICODE UTF-8": "utf-8",
    "UTF-8": "utf-8",
}


def _header_field(raw: bytes, index: int) -> str:
    """MSH-``index`` read from the raw bytes (the header is ASCII in every charset)."""
    first = re.split(rb"\r\n|\r|\n", raw.lstrip(), maxsplit=1)[0]
    if not first.startswith(b"MSH") or len(first) < 4:
        return ""
    fields = first.split(first[3:4])
    return fields[index - 1].decode("ascii", "replace") if len(fields) >= index else ""


def decode(message: bytes | str) -> str:
    """The message as text, decoded with the character set MSH-18 names (UTF-8 if none).

    Refused (AR) when it is too large or cannot be decoded, so that the ACK says why
    instead of the message being filed with garbled names.
    """
    size = len(message.encode("utf-8") if isinstance(message, str) else message)
    if size > MAX_MESSAGE_BYTES:
        raise InvalidMessage(
            f"HL7: the message holds {size} bytes, more than the {MAX_MESSAGE_BYTES} accepted",
            reject=True,
            code="100",
        )
    if isinstance(message, str):
        return message
    charset = _header_field(message, 18).split("^")[0].strip().upper()
    codec = _CHARSETS.get(charset)
    if codec is None:
        raise InvalidMessage(
            f"MSH-18: character set {charset!r} is not supported (send UNICODE UTF-8 or 8859/1)",
            reject=True,
            code="103",
        )
    try:
        return message.decode(codec)
    except UnicodeDecodeError as error:
        named = f"MSH-18 {charset}" if charset else "UTF-8 (MSH-18 is empty)"
        raise InvalidMessage(
            f"HL7: byte {error.start} cannot be decoded as {named}; "
            "name the character set in MSH-18",
            reject=True,
            code="102",
        ) from None


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its name and its fields, ``field(n)`` being HL7's field n."""

    name: str
    fields: tuple[str, ...]
    separators: str  # component, repetition, escape, subcomponent

    def field(self, n: int) -> str:
        """Field n as sent (escaped); '' when absent. MSH-1 is the field separator."""
        # MSH: fields[0] is "MSH", fields[1] the encoding characters (MSH-2)
        index = n - 1 if self.name == "MSH" else n
        return self.fields[index] if 0 <= index < len(self.fields) else ""

    def repetitions(self, n: int) -> list[str]:
        """The repetitions of field n."""
        value = self.field(n)
        return value.split(self.separators[1]) if value else []

    def component(self, n: int, c: int, value: str | None = None) -> str:
        """Component c of field n (or of ``value``), unescaped; '' when absent."""
        parts = (self.field(n) if value is None else value).split(self.separators[0])
        return self.unescape(parts[c - 1]) if 0 < c <= len(parts) else ""

    def unescape(self, text: str) -> str:
        """HL7 escapes back to text: delimiters (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\) to their
        characters, the FT line breaks ``\\.br\\`` and ``\\.sp n\\`` to new lines, and the
        highlighting and layout commands (``\\H\\ \\N\\ \\.in\\ \\.ti\\ \\.ce\\ \\.fi\\ \\.nf\\``
        ...) dropped: they style the sender's display and are not part of the words."""
        esc = self.separators[2]
        if esc not in text:
            return text
        table = {
            "F": "|",
            "S": self.separators[0],
            "R": self.separators[1],
            "E": esc,
            "T": self.separators[3],
        }
        pattern = re.escape(esc) + r"([^" + re.escape(esc) + r"]{1,32})" + re.escape(esc)
        return re.sub(pattern, lambda m: _escaped(m.group(1), table), text)


def _escaped(code: str, table: dict[str, str]) -> str:
    """What one escape sequence stands for (HL7 v2.5.1 section 2.7)."""
    if code in table:
        return table[code]
    if code == ".br":
        return "\n"
    spaced = re.fullmatch(r"\.sp ?([+-]?\d*)", code)
    if spaced is not None:
        return "\n" * max(1, min(int(spaced.group(1) or 1), 5))
    hexed = re.fullmatch(r"X((?:[0-9A-Fa-f]{2})+)", code)
    if hexed is not None:
        decoded = bytes.fromhex(hexed.group(1)).decode("latin-1")
        return decoded if decoded.isprintable() else ""
    return ""  # H, N, .in, .ti, .sk, .ce, .fi, .nf, Z...: display commands, not text


def message_digest(text: str) -> str:
    """SHA-256 of a message's content: segments as sent, line ends and MSH-7 left out.

    A sender that resends after a lost ACK may restamp MSH-7 or change line endings; the
    content is the same message. Anything else that differs makes it another message.
    """
    lines = [line.strip("\x0b\x1c ") for line in re.split(r"\r\n|\r|\n", text.strip())]
    kept = [line for line in lines if line]
    if kept and kept[0].startswith("MSH") and len(kept[0]) > 3:
        fields = kept[0].split(kept[0][3])
        if len(fields) > 6:
            fields[6] = ""  # MSH-7, the time the message was sent
        kept[0] = kept[0][3].join(fields)
    return hashlib.sha256("\r".join(kept).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Er7Message:
    """The segments of a message in order (Z-segments included; readers skip them)."""

    segments: tuple[Segment, ...]

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    def named(self, name: str) -> list[Segment]:
        return [s for s in self.segments if s.name == name]


def read_er7(text: str) -> Er7Message:
    """Segments of an ER7 message, whatever line ends the sender used."""
    body = text.lstrip("\ufeff").strip()
    if not body.startswith("MSH") or len(body) < 8:
        raise InvalidMessage(
            "HL7: the message must start with an MSH segment", reject=True, code="100"
        )
    field_sep = body[3]
    encoding = body[4:8]
    if field_sep.isalnum() or len(set(encoding + field_sep)) != 5:
        raise InvalidMessage(
            "MSH-1/MSH-2: the separators are not five distinct characters",
            reject=True,
            code="102",
        )
    segments = []
    for line in re.split(r"\r\n|\r|\n", body):
        line = line.strip("\x0b\x1c ")  # MLLP framing bytes left in by some senders
        if not line:
            continue
        fields = line.split(field_sep)
        name = fields[0]
        if not re.fullmatch(r"[A-Z][A-Z0-9]{2}", name):
            raise InvalidMessage(
                f"HL7: {name[:10]!r} is not a segment name", reject=True, code="100"
            )
        if name == "MSH":
            fields = [name, encoding, *fields[2:]]  # keep MSH-2 as one field
        segments.append(Segment(name, tuple(fields), encoding))
    return Er7Message(tuple(segments))
