"""Which acknowledgements an incoming message asked for (MSH-15 and MSH-16).

HL7 v2.5.1 chapter 2.9: with both fields empty the sender uses *original mode* and gets
one application ACK (AA/AE/AR). Otherwise it uses *enhanced mode*: MSH-15 says when it
wants an accept (commit) ACK, CA once the message is safely stored, CE when it could not
be; MSH-16 says when it wants the application ACK. Each takes table 0155: AL always, NE
never, ER only after an error, SU only after success.

Choices made here, where the standard leaves room:

- in enhanced mode an empty MSH-15 or MSH-16 is read as AL (always answer: a sender
  that left the field empty is not harmed by an answer, but is by a missing one);
- both answers go back on the same connection, accept ACK first, rather than the
  application ACK on a connection of our own: interface engines match them by MSA-2;
- an unknown code is read as AL, for the same reason.
"""

from __future__ import annotations

__all__ = ["ack_modes", "answers"]

_CODES = frozenset({"AL", "NE", "ER", "SU"})


def ack_modes(message: str) -> tuple[str, str]:
    """MSH-15 and MSH-16 as sent ('' when absent), upper-cased."""
    first = message.lstrip("\ufeff\x0b").replace("\n", "\r").split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 4:
        return "", ""
    fields = first.split(first[3])

    def field(n: int) -> str:
        # MSH-n is fields[n - 1]: MSH-1 is the separator itself
        return fields[n - 1].strip().upper() if len(fields) >= n else ""

    return field(15), field(16)


def _wanted(code: str, success: bool) -> bool:
    code = code if code in _CODES else "AL"
    return code == "AL" or (code == "ER" and not success) or (code == "SU" and success)


def _as_commit(ack: str, stored: bool) -> str:
    """A general ACK (MSA-1 AA, or AE with the reason) turned into an accept ACK:
    MSA-1 CA when the message was stored, else CE with the reason kept."""
    out = []
    for line in ack.split("\r"):
        if line.startswith("MSA|"):
            parts = line.split("|")
            parts[1] = "CA" if stored else "CE"
            line = "|".join(parts)
        out.append(line)
    return "\r".join(out)


def answers(
    message: str, application_ack: str, commit_ack: str, *, accepted: bool, stored: bool
) -> list[str]:
    """The acknowledgements to send back for ``message``, in order.

    ``application_ack`` is the answer of the use case (an ACK, ORL or ORR);
    ``commit_ack`` a general ACK of the same message (MSA AA, or AE with the reason it
    could not be stored), which becomes the accept ACK; ``accepted``: the message was
    filed; ``stored``: it is safely in the message log.
    """
    accept_mode, application_mode = ack_modes(message)
    if not accept_mode and not application_mode:
        return [application_ack]
    out = []
    if _wanted(accept_mode, stored):
        out.append(_as_commit(commit_ack, stored))
    if stored and _wanted(application_mode, accepted):
        out.append(application_ack)
    return out
