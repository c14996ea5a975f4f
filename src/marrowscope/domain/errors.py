"""Every error marrowscope raises on purpose.

Adapters map these once: the web app to a 4xx page with the plain message, the CLI to
stderr and exit status 2. The tree::

    MarrowscopeError
    ├── InvalidInput            bad values from a person or a file (names the field/line)
    │   ├── UnknownCellCode
    │   ├── InvalidCount
    │   ├── EmptyCount
    │   ├── InvalidMeasurement   impossible vital sign, CBC value, unknown unit
    │   ├── InvalidMessage       a FHIR or HL7 v2 message that cannot be read or used
    │   └── InvalidImage         corrupt or non-image file
    ├── NotAllowed              a state transition or action the rules forbid
    │   ├── TransitionNotAllowed
    │   ├── ImmutableRecord      signed reports are amended, never overwritten
    │   ├── PermissionDenied     the role may not do this
    │   │   └── OutOfScope       a case outside the person's wards or laboratory
    │   ├── TooManyAttempts      sign-in rate limit reached; try again later
    │   └── DatabaseNotReady     the database was never migrated (or is behind)
    ├── Conflict                duplicate accession number, duplicate submission
    ├── BackupFailed            a backup or restore could not be made or verified
    ├── ConfigurationError      a MARROWSCOPE_* setting is missing, malformed or unsafe
    ├── AuthenticationFailed    unknown user or wrong password (never says which)
    └── NotFound                no such case, specimen, test or report
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "BackupFailed",
    "ConfigurationError",
    "Conflict",
    "DatabaseNotReady",
    "EmptyCount",
    "ImmutableRecord",
    "InvalidCount",
    "InvalidImage",
    "InvalidFields",
    "InvalidInput",
    "InvalidMeasurement",
    "InvalidMessage",
    "MarrowscopeError",
    "NotAllowed",
    "NotFound",
    "OutOfScope",
    "PermissionDenied",
    "TooManyAttempts",
    "TransitionNotAllowed",
    "UnknownCellCode",
]


class MarrowscopeError(Exception):
    """Root of every error raised on purpose; its message is safe to show a user."""


class InvalidInput(MarrowscopeError):
    """A value given by a person or a file cannot be accepted as it is."""


class InvalidFields(InvalidInput):
    """Several fields of one form refused together, ``errors`` field -> message: a person
    corrects them all in one go instead of meeting them one submission at a time."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class UnknownCellCode(InvalidInput):
    """A cell code that the taxonomy does not hold."""


class InvalidCount(InvalidInput):
    """A cell count that is negative, fractional or otherwise impossible."""


class EmptyCount(InvalidInput):
    """A differential was asked of a count that holds no nucleated cell."""


class InvalidMeasurement(InvalidInput):
    """A measurement outside what is physiologically possible, or in an unknown unit."""


class InvalidMessage(InvalidInput):
    """A FHIR resource or HL7 v2 message that is malformed or holds nothing usable.

    Raised before anything is written: an import is all or nothing. ``reject`` says the
    message could not be taken at all (HL7 ACK code AR) rather than refused for its
    content (AE); ``code`` is the standard's error code where one applies (HL7 table 0357).
    """

    def __init__(self, message: str, *, reject: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.reject = reject
        self.code = code


class InvalidImage(InvalidInput):
    """A file that cannot be decoded as a microscope image."""


class NotAllowed(MarrowscopeError):
    """An action that the clinical rules forbid in the record's present state."""


class TransitionNotAllowed(NotAllowed):
    """A state machine was asked for a move it does not allow."""


class ImmutableRecord(NotAllowed):
    """A signed or superseded record was asked to change in place."""


class PermissionDenied(NotAllowed):
    """The acting user's role does not allow this action."""


class OutOfScope(PermissionDenied):
    """The role may open cases, but not this one: it belongs to another ward or laboratory.

    Unlike a refusal by role, this one can be overridden for one case, for a while, with
    a stated reason (break-glass, ``domain.cases.access``); ``case_id`` names the case.
    """

    def __init__(self, message: str, case_id: int) -> None:
        super().__init__(message)
        self.case_id = case_id


class TooManyAttempts(NotAllowed):
    """Too many failed sign-ins for this user or address; a brake on password guessing."""


class DatabaseNotReady(NotAllowed):
    """A command ran on a database that lacks this version's tables (say what to run)."""


class AuthenticationFailed(MarrowscopeError):
    """Sign-in refused; the message never says whether the user or the password was wrong."""


class BackupFailed(MarrowscopeError):
    """A backup or restore was refused or did not verify (tool missing, target not empty)."""


class ConfigurationError(MarrowscopeError):
    """A setting cannot be used as given; the message names the variable, never its value."""


class Conflict(MarrowscopeError):
    """The write would duplicate something that must be unique."""


class NotFound(MarrowscopeError):
    """The record asked for does not exist (or is not visible to the asker)."""
