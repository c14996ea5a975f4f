"""The signed report an export carries, found without depending on the reports area.

The reports area is optional to the interop use cases (it may not be installed), so it
is looked up by name at call time rather than imported; kept apart from
``services.interop`` so that this one loose coupling, and the order in which its
functions are tried, sit in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from marrowscope.domain.roles import Actor
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["ReportDocument", "SignedReport", "signed_report"]


class ReportDocument(Protocol):
    """What an export takes from the signed report, when the report service has one."""

    @property
    def conclusion(self) -> str: ...

    @property
    def pdf(self) -> bytes | None: ...

    @property
    def final(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class SignedReport:
    """What the export takes from a signed report, whichever function provided it."""

    conclusion: str
    pdf: bytes | None
    final: bool
    counts: Mapping[str, int] | None = None
    kind: str = "original"  # ReportKind value: original, amendment or addendum
    signed_at: datetime | None = None
    signed_by: str = ""
    risk_scores: str = ""  # the signed risk line, for the coded risk Observations
    icd10: str = ""  # the signed diagnosis codes, for the report's conclusion codes
    icdo3: str = ""
    signer_name: str = ""  # the signer's name as it stood at signing
    addendum: str = ""  # the signed addendum's text, sent apart from the conclusion
    version: int = 0  # the report version number (0: unknown), which the outbox logs


def _version(reports: Any, uow: UnitOfWork, actor: Actor, case_id: int, found: object) -> Any:
    """The exported version itself (``get_version``), or None when it cannot be read."""
    version = getattr(found, "version", None)
    get_version = getattr(reports, "get_version", None)
    if not isinstance(version, int) or get_version is None:
        return None
    return get_version(uow, actor, case_id, version)


def _from_version(document: ReportDocument, version: Any) -> SignedReport:
    """The document with what its version adds: the counts it was signed on, its kind
    (an amendment goes out as amended, not final) and when and by whom it was signed."""
    counts = getattr(version, "counts", None)
    signed_at = getattr(version, "signed_at", None)
    return SignedReport(
        conclusion=document.conclusion,
        pdf=document.pdf,
        final=document.final,
        counts=dict(counts) if counts else None,
        kind=str(getattr(getattr(version, "kind", None), "value", "original")),
        signed_at=signed_at if isinstance(signed_at, datetime) else None,
        signed_by=str(getattr(version, "signed_by", "") or ""),
        risk_scores=_field(version, "risk_scores"),
        icd10=_field(version, "icd10"),
        icdo3=_field(version, "icdo3"),
        signer_name=str(getattr(version, "signer_name", "") or ""),
        addendum=_field(version, "addendum"),
        version=_number(version),
    )


def _number(version: Any) -> int:
    number = getattr(version, "version", 0)
    return number if isinstance(number, int) else 0


def _field(version: Any, key: str) -> str:
    """One field of the signed version's text, '' when the version cannot say."""
    get = getattr(version, "get", None)
    value = get(key) if callable(get) else None
    return value if isinstance(value, str) else ""


def signed_report(uow: UnitOfWork, actor: Actor, case_id: int) -> SignedReport | None:
    """The signed report of the case, looked up lazily in ``services.reporting``.

    The reports area is optional to this module (it may not be installed). In order:
    ``report_for_export(uow, actor, case_id)`` returning a ``ReportDocument`` (or None);
    else ``current_report(uow, actor, case_id)``: when that version is signed, its
    conclusion, its counts snapshot (so the export shows the differential the report was
    signed on) and, if ``report_pdf(uow, actor, case_id)`` exists, the stored PDF.
    A draft is not exported as the conclusion: the verified result texts are used instead.
    """
    try:
        reports = importlib.import_module("marrowscope.services.reporting")
    except ImportError:
        return None
    document = getattr(reports, "report_for_export", None)
    if document is not None:
        found = cast("ReportDocument | None", document(uow, actor, case_id))
        if found is None:
            return None
        return _from_version(found, _version(reports, uow, actor, case_id, found))
    current = getattr(reports, "current_report", None)
    if current is None:
        return None
    report = current(uow, actor, case_id)
    if report is None or not getattr(report, "is_signed", False):
        return None
    pdf_of = getattr(reports, "report_pdf", None)
    pdf = pdf_of(uow, actor, case_id) if pdf_of is not None else None
    document = SignedReport(
        conclusion=str(getattr(report, "conclusion", "")),
        pdf=pdf if isinstance(pdf, bytes) else None,
        final=True,
    )
    return _from_version(document, report)
