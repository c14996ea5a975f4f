"""The bone marrow report: ICSH 2008 structure, versions and the sign-out rules.

Structure after Lee SH, Erber WN, Porwit A, Tomonaga M, Peterson LC. ICSH guidelines for
the standardization of bone marrow specimens and reports. Int J Lab Hematol
2008;30:349-364, doi:10.1111/j.1751-553X.2008.01100.x. Every free-text item is a named
field of one of the sections below, so the HTML, the PDF and the exports list them in the
same order.

A version is a draft until a pathologist signs it; a signed version never changes again
(``ImmutableRecord``). A correction is a new version (amendment or addendum) that names
its reason, author and time; the earlier versions stay readable as they were signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.errors import ImmutableRecord, InvalidInput, TransitionNotAllowed
from marrowscope.domain.reporting.fields import (
    clean_fields,
)

__all__ = [
    "ReportKind",
    "ReportStatus",
    "ReportVersion",
    "SignatureMeaning",
    "amend",
    "new_draft",
    "parse_meaning",
    "replace_counts",
    "sign",
    "update_draft",
]


class ReportStatus(StrEnum):
    """A draft may change; a signed version may not."""

    DRAFT = "draft"
    SIGNED = "signed"


class ReportKind(StrEnum):
    """Why a version exists (ICSH: amended and supplementary reports are labelled)."""

    ORIGINAL = "original"
    AMENDMENT = "amendment"  # replaces content of the signed report
    ADDENDUM = "addendum"  # adds information, e.g. a pending test's result (supplementary)


class SignatureMeaning(StrEnum):
    """What the signer's signature means (21 CFR 11.50: a signed record states it).

    The pathologist who wrote the report signs it as its author; a senior colleague who
    checked a trainee's report signs it as reviewed, or approves it for issue.
    """

    AUTHORED = "authored"
    REVIEWED = "reviewed"
    APPROVED = "approved"


def parse_meaning(text: str) -> SignatureMeaning:
    """The meaning named by ``text`` ("" is authored); a one-line refusal otherwise."""
    try:
        return SignatureMeaning(text.strip().lower() or SignatureMeaning.AUTHORED.value)
    except ValueError:
        words = ", ".join(m.value for m in SignatureMeaning)
        raise InvalidInput(f"meaning: a signature means one of {words}") from None


@dataclass(frozen=True, slots=True)
class ReportVersion:
    """One version of a case's report; ``counts`` is the differential it reports.

    The counts are a snapshot (cell code -> number) taken when the draft was written, so
    that a signed version shows the differential it was signed on even if a count is
    later edited.
    """

    case_id: int
    version: int
    kind: ReportKind
    status: ReportStatus
    fields: Mapping[str, str]
    counts: Mapping[str, int]
    author: str
    created_at: datetime
    reason: str = ""
    signed_by: str | None = None
    signed_at: datetime | None = None
    id: int | None = None
    signer_name: str = ""  # full name as it stood at signing (the username is the key)
    signer_role: str = ""
    signature_meaning: str = ""  # a SignatureMeaning; "" on versions signed before it

    @property
    def signer(self) -> str:
        """'Dr Ada Lovelace, pathologist': what the report prints, never the username."""
        name = self.signer_name or self.signed_by or ""
        return f"{name}, {self.signer_role}" if name and self.signer_role else name

    @property
    def signature(self) -> str:
        """The signer and what the signature means: 'Dr Ada Lovelace, pathologist (authored)'."""
        meaning = f" ({self.signature_meaning})" if self.signature_meaning else ""
        return self.signer + meaning

    def get(self, name: str) -> str:
        """A field's text ('' when empty)."""
        return self.fields.get(name, "")

    @property
    def conclusion(self) -> str:
        """The integrated conclusion (the web form edits it)."""
        return self.get("conclusion")

    @property
    def comment(self) -> str:
        """The free comment (the web form edits it)."""
        return self.get("comment")

    @property
    def is_signed(self) -> bool:
        """Signed versions are immutable."""
        return self.status is ReportStatus.SIGNED


def new_draft(
    case_id: int, fields: Mapping[str, str], counts: Mapping[str, int], *, by: str, at: datetime
) -> ReportVersion:
    """Version 1, a draft."""
    return ReportVersion(
        case_id=case_id,
        version=1,
        kind=ReportKind.ORIGINAL,
        status=ReportStatus.DRAFT,
        fields=clean_fields(fields),
        counts=dict(counts),
        author=by,
        created_at=at,
    )


def update_draft(draft: ReportVersion, fields: Mapping[str, str]) -> ReportVersion:
    """The draft with ``fields`` changed; a signed version refuses."""
    if draft.is_signed:
        raise ImmutableRecord(
            f"report version {draft.version} is signed: amend it or add an addendum"
        )
    return replace(draft, fields={**draft.fields, **clean_fields(fields)})


def replace_counts(draft: ReportVersion, counts: Mapping[str, int]) -> ReportVersion:
    """The draft with a new differential snapshot; a signed version refuses."""
    if draft.is_signed:
        raise ImmutableRecord(f"report version {draft.version} is signed: amend it instead")
    return replace(draft, counts=dict(counts))


def sign(
    draft: ReportVersion,
    *,
    by: str,
    at: datetime,
    name: str = "",
    role: str = "",
    meaning: SignatureMeaning = SignatureMeaning.AUTHORED,
) -> ReportVersion:
    """The draft signed out; a report without a conclusion cannot be signed."""
    if draft.is_signed:
        raise ImmutableRecord(f"report version {draft.version} is already signed")
    if not draft.conclusion:
        raise TransitionNotAllowed("a report needs an integrated conclusion before sign-out")
    return replace(
        draft,
        status=ReportStatus.SIGNED,
        signed_by=by,
        signed_at=at,
        signer_name=name,
        signer_role=role,
        signature_meaning=meaning.value,
    )


def amend(
    signed: ReportVersion,
    kind: ReportKind,
    fields: Mapping[str, str],
    *,
    reason: str,
    by: str,
    at: datetime,
    name: str = "",
    role: str = "",
    meaning: SignatureMeaning = SignatureMeaning.AUTHORED,
) -> ReportVersion:
    """A new signed version after ``signed``, carrying its reason, author and time.

    Amendments and addenda are written and signed by the same pathologist in one step;
    the earlier version is left exactly as it was.
    """
    if not signed.is_signed:
        raise TransitionNotAllowed("only a signed report is amended; edit the draft instead")
    if kind == ReportKind.ORIGINAL:
        raise InvalidInput("an amendment is of kind amendment or addendum")
    if not reason.strip():
        raise InvalidInput("an amendment or addendum needs a reason")
    changes = clean_fields(fields)
    if kind == ReportKind.ADDENDUM and set(changes) - {"addendum", "pending_tests"}:
        raise InvalidInput("an addendum adds text (addendum, pending tests); amend to change")
    if not any(changes.values()):
        raise InvalidInput("the amendment changes nothing")
    merged = {**signed.fields, **changes}
    if not merged.get("conclusion"):
        raise InvalidInput("an amended report still needs an integrated conclusion")
    return ReportVersion(
        case_id=signed.case_id,
        version=signed.version + 1,
        kind=kind,
        status=ReportStatus.SIGNED,
        fields=merged,
        counts=dict(signed.counts),
        author=by,
        created_at=at,
        reason=reason.strip(),
        signed_by=by,
        signed_at=at,
        signer_name=name,
        signer_role=role,
        signature_meaning=meaning.value,
    )
