"""What a signed report shows: the version with its patient, differential and trend.

Renderers (HTML, PDF, exports) read only a :class:`ReportView`; the canonical JSON of
a view is what gets stored beside each signed version, so the original is retrievable
byte for byte. Kept apart from ``report.py``, which owns the version's life cycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from marrowscope.domain.cases.model import Patient, age_in_years
from marrowscope.domain.counting.differential import Differential
from marrowscope.domain.lab import ResultTable
from marrowscope.domain.reporting.fields import FIELD_LABELS
from marrowscope.domain.reporting.findings import CellularityJudgement, cellularity_against_age
from marrowscope.domain.reporting.model import ReportVersion

__all__ = ["ReportView", "TrendPoint", "canonical_json", "changed_fields"]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Blast percentage of one signed examination of the same patient."""

    examined_on: date
    case_id: int
    blast_percent: float


@dataclass(frozen=True, slots=True)
class ReportView:
    """Everything a renderer needs: the version, the patient, derived values.

    Renderers (HTML, PDF, exports) read only this, so they never touch the database.
    """

    report: ReportVersion
    patient: Patient
    examined_on: date
    differential: Differential | None
    trend: tuple[TrendPoint, ...] = ()
    released_at: datetime | None = None
    history: tuple[ReportVersion, ...] = field(default=())
    letterhead: tuple[str, ...] = ()  # laboratory / institution lines (from settings)
    range_source: str = ""  # where the differential's reference ranges come from
    lab_results: tuple[ResultTable, ...] = ()  # verified results as tables
    released_by: str = ""

    def changes(self) -> tuple[str, ...]:
        """Labels of the fields this version changed against the one before it."""
        return changed_fields(self.history[-1], self.report) if self.history else ()

    @property
    def age_years(self) -> int:
        """Age on the day of the examination."""
        return age_in_years(self.patient.birth_date, self.examined_on)

    def cellularity(self) -> CellularityJudgement | None:
        """Trephine cellularity against age, when a value was reported."""
        text = self.report.get("trephine_cellularity_percent")
        return cellularity_against_age(float(text), self.age_years) if text else None


def changed_fields(old: ReportVersion, new: ReportVersion) -> tuple[str, ...]:
    """What an amendment or addendum changed, as field labels in report order."""
    names = [n for n in FIELD_LABELS if old.get(n) != new.get(n)]
    if dict(old.counts) != dict(new.counts):
        names.append("differential")
    return tuple(FIELD_LABELS.get(n, "Differential count") for n in names)


def canonical_json(view: ReportView) -> bytes:
    """The signed content as canonical JSON (sorted keys, no spaces, UTF-8).

    Stored with each signed version so the original is retrievable byte for byte.
    """
    r = view.report
    data: dict[str, Any] = {
        "case_id": r.case_id,
        "version": r.version,
        "kind": r.kind.value,
        "status": r.status.value,
        "reason": r.reason,
        "author": r.author,
        "created_at": r.created_at.isoformat(),
        "signed_by": r.signed_by,
        "signer": r.signer,
        "signature_meaning": r.signature_meaning,
        "signed_at": r.signed_at.isoformat() if r.signed_at else None,
        "patient": {
            "mrn": view.patient.mrn,
            "family_name": view.patient.family_name,
            "given_name": view.patient.given_name,
            "birth_date": view.patient.birth_date.isoformat(),
            "sex": view.patient.sex.value,
        },
        "examined_on": view.examined_on.isoformat(),
        "fields": dict(sorted(r.fields.items())),
        "counts": dict(sorted(r.counts.items())),
    }
    if view.differential is not None:
        d = view.differential
        data["differential"] = {
            "nucleated_cells": d.nucleated_cells,
            "rows": [
                {
                    "code": row.code.value,
                    "count": row.count,
                    "percent": round(row.percent, 2),
                    "ci_low": round(row.interval_percent.low, 2),
                    "ci_high": round(row.interval_percent.high, 2),
                }
                for row in d.counted_rows()
            ],
            "me_ratio": None if d.me.ratio is None else round(d.me.ratio, 3),
        }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
