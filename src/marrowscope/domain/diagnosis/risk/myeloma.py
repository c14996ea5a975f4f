"""Plasma cell neoplasms: IMWG 2014 candidates and ISS / R-ISS / R2-ISS staging, in one place.

The work is split by topic (``myeloma_imwg``, ``myeloma_staging``, ``myeloma_logic``) to
keep modules short; callers import from here so that the split can change freely.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.risk.myeloma_imwg import (
    MGUS,
    MULTIPLE_MYELOMA,
    SMOULDERING,
    PlasmaCellFindings,
    imwg2014_candidates,
)
from marrowscope.domain.diagnosis.risk.myeloma_staging import (
    MyelomaStagingFindings,
    iss_stage,
    r2iss_stage,
    riss_stage,
)

__all__ = [
    "MGUS",
    "MULTIPLE_MYELOMA",
    "SMOULDERING",
    "MyelomaStagingFindings",
    "PlasmaCellFindings",
    "imwg2014_candidates",
    "iss_stage",
    "r2iss_stage",
    "riss_stage",
]
