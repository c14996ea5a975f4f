"""SQL repository of the pathway: versioned records, specimens, tests, events, results.

One class over all pathway tables, so that the unit of work binds it to its session
once (``uow.pathway``); its methods live by area in ``pathway_records``,
``pathway_specimens`` and ``pathway_lab_tests``, each under the style's size limit.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from marrowscope.db.pathway_lab_tests import LabTestsMixin
from marrowscope.db.pathway_records import ClinicalRecordsMixin
from marrowscope.db.pathway_specimens import SpecimensMixin

__all__ = ["SqlPathwayRepository"]


class SqlPathwayRepository(ClinicalRecordsMixin, SpecimensMixin, LabTestsMixin):
    """All pathway tables through one session (the unit of work's)."""

    def __init__(self, session: Session) -> None:
        self._s = session
