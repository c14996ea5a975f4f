"""FHIR data types shared by every resource of the export: stable ids and dateTime.

Each resource module of the export refers to the others by ``urn:uuid`` full URL; they
all draw those URLs from one ``Ids`` per case, so that the references inside a Bundle
agree and the same case exports with the same ids every time.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from marrowscope.interop.codes import system

__all__ = ["Ids", "iso"]


def iso(at: datetime) -> str:
    """FHIR ``dateTime``/``instant``: ISO 8601 with the offset the value carries."""
    return at.isoformat()


class Ids:
    """Stable ``urn:uuid`` full URLs: the same case exports with the same ids."""

    def __init__(self, case_id: int) -> None:
        self._ns = uuid.uuid5(uuid.NAMESPACE_URL, f"{system('case')}/{case_id}")

    def url(self, name: str) -> str:
        return f"urn:uuid:{uuid.uuid5(self._ns, name)}"

    def ref(self, name: str) -> dict[str, str]:
        return {"reference": self.url(name)}
