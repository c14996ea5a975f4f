"""The laboratory's report settings as the report pages use them."""

from __future__ import annotations

from marrowscope.bootstrap import Settings
from marrowscope.domain.roles import Role

__all__ = ["letterhead_of", "releaser_of"]


def letterhead_of(settings: Settings) -> tuple[str, ...]:
    """Laboratory, institution and address lines printed at the top of every PDF page."""
    lines = (settings.laboratory_name, settings.institution_name, settings.laboratory_address)
    return tuple(line.strip() for line in lines if line.strip())


def releaser_of(settings: Settings) -> Role:
    """The role that releases a signed report to the patient in this laboratory."""
    return Role(settings.release_by)
