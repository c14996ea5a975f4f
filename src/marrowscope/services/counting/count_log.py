"""A de-identified log of saved differentials, for audit, research and quality control.

One row per saved slide count. The case is named by a keyed pseudonym (HMAC-SHA256 of
the case id under the installation's secret, so the same case always gets the same
pseudonym but no one without the secret can link it back); the patient appears only as
an age band and sex; the date only as the year and month of the examination. Names,
MRNs, dates of birth, slide labels, usernames and every free text are left out.
The policy values (band width, top band, pseudonym length) and their sources live in
``domain/tables/deidentification.toml``.
"""

from __future__ import annotations

import csv
import hmac
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.model import Case, Patient
from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.me_ratio import default_me_definition, me_ratio
from marrowscope.domain.counting.quantities import measure, quantity_definition
from marrowscope.domain.counting.slide_counts import SlideCount
from marrowscope.domain.counting.taxonomy import CellClass, all_classes
from marrowscope.domain.errors import InvalidInput, PermissionDenied
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.tables import load_table
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "EXPORT_ROLES",
    "CountLogRow",
    "SavedCountSource",
    "age_band",
    "case_pseudonym",
    "count_log",
    "count_log_columns",
    "count_log_csv",
    "row_as_dict",
]

# The log holds no identifier, but it is still a clinical extract: the people who run
# the laboratory and the installation may take it, not every role.
EXPORT_ROLES = frozenset({Role.ADMIN, Role.LAB_SCIENTIST})
_PSEUDONYM_CONTEXT = b"marrowscope/count-log/case/v1:"


class SavedCountSource(Protocol):
    """Every saved slide count (implemented in ``db.count_log_store``)."""

    def saved_counts(self) -> Sequence[SlideCount]: ...


@dataclass(frozen=True, slots=True)
class CountLogRow:
    """One saved differential, de-identified."""

    case_pseudonym: str
    age_band: str
    sex: str
    exam_month: str
    counts: dict[CellClass, int]
    total: int
    me_ratio: float | None
    blast_percent: float | None


def _policy() -> dict[str, Any]:
    return load_table("deidentification")


def age_band(birth_date: date, on: date) -> str:
    """Age on ``on`` as a band ("60-69"); the top band is open ("90+").

    Bands and the open top band follow HIPAA Safe Harbor (45 CFR 164.514(b)(2)(i)(C)).
    """
    bands = _policy()["age_bands"]
    width, top = int(bands["width_years"]), int(bands["top_years"])
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if years < 0:
        raise InvalidInput("birth date lies after the examination")
    if years >= top:
        return f"{top}+"
    low = years // width * width
    return f"{low}-{low + width - 1}"


def case_pseudonym(secret: str, case_id: int) -> str:
    """HMAC-SHA256 of the case id under ``secret``, as hex (length from the policy table).

    Keyed, not a plain hash: case ids are small integers, so an unkeyed hash of one
    could be reversed by trying every id.
    """
    if not secret:
        raise InvalidInput("a secret is needed to pseudonymise cases (MARROWSCOPE_SECRET_KEY)")
    chars = int(_policy()["pseudonym"]["hex_chars"])
    mac = hmac.new(secret.encode("utf-8"), _PSEUDONYM_CONTEXT + str(case_id).encode(), "sha256")
    return mac.hexdigest()[:chars]


def _exam_date(uow: UnitOfWork, case: Case) -> datetime:
    """When the marrow was taken (the procedure's start), else when the case was opened."""
    procedure = uow.pathway.latest(case.id, RecordKind.PROCEDURE)
    started = None if procedure is None else procedure.payload.get("started_at")
    if isinstance(started, str):
        try:
            return datetime.fromisoformat(started)
        except ValueError:
            pass
    return case.opened_at


def _row(
    secret: str, count: SlideCount, case: Case, patient: Patient, when: datetime
) -> CountLogRow:
    tally = CellCounts(tuple(count.counts.items()))
    nucleated = tally.nucleated_cells
    ratio = me_ratio(tally, default_me_definition()).ratio if nucleated else None
    blasts = measure(tally, quantity_definition("blasts")).exact_percent if nucleated else None
    return CountLogRow(
        case_pseudonym=case_pseudonym(secret, case.id),
        age_band=age_band(patient.birth_date, when.date()),
        sex=patient.sex.value,
        exam_month=f"{when.year:04d}-{when.month:02d}",
        counts=dict(count.counts),
        total=nucleated,
        me_ratio=None if ratio is None else round(ratio, 2),
        blast_percent=None if blasts is None else round(float(blasts), 1),
    )


@transactional
def count_log(
    uow: UnitOfWork,
    source: Callable[[Any], SavedCountSource],
    actor: Actor,
    secret: str,
) -> list[CountLogRow]:
    """Every saved differential, de-identified, oldest first; the export is audited.

    The audit entry records who took the log and how many rows it had, not its content.
    """
    if actor.role not in EXPORT_ROLES:
        raise PermissionDenied(f"a {actor.role.value} cannot export the count log")
    rows: list[CountLogRow] = []
    for count in uow.bind(source).saved_counts():
        case = uow.cases.get(count.case_id)
        patient = None if case is None else uow.patients.get(case.patient_id)
        if case is None or patient is None:
            continue  # cannot happen with foreign keys; never guess an age or a sex
        rows.append(_row(secret, count, case, patient, _exam_date(uow, case)))
    record_audit(
        uow,
        actor,
        "count_log",
        "export",
        AuditAction.VIEW,
        None,
        {"rows": len(rows), "deidentified": True},
    )
    uow.commit()
    return rows


def count_log_columns() -> list[str]:
    """Column names, fixed and in taxonomy order, so files from different days line up."""
    codes = [f"n_{c.code.value}" for c in all_classes()]
    return [
        "case_pseudonym",
        "age_band",
        "sex",
        "exam_month",
        *codes,
        "total",
        "me_ratio",
        "blast_percent",
    ]


def row_as_dict(row: CountLogRow) -> dict[str, str | int | float | None]:
    """A row as JSON-ready values, every cell code present (zeros included)."""
    out: dict[str, str | int | float | None] = {
        "case_pseudonym": row.case_pseudonym,
        "age_band": row.age_band,
        "sex": row.sex,
        "exam_month": row.exam_month,
    }
    for info in all_classes():
        out[f"n_{info.code.value}"] = row.counts.get(info.code, 0)
    out["total"] = row.total
    out["me_ratio"] = row.me_ratio
    out["blast_percent"] = row.blast_percent
    return out


def count_log_csv(rows: Sequence[CountLogRow]) -> str:
    """The log as CSV text with a header (empty cells where a value is undefined)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=count_log_columns(), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row_as_dict(row).items()})
    return buffer.getvalue()
