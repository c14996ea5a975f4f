"""Releasing a signed report to the patient: which version, confirmed by whom.

Release is a signature of its own (the releaser says "this version, to this patient"),
so the releaser names the version they read and release. Naming it closes a race that a
plain "release the newest" button leaves open: a pathologist may sign an amendment
between the moment the clinician reads version 1 and the moment they press release, and
the patient would then receive version 2, which nobody who released it had read.

The patient sees the last *released* version, labelled with its number and date, until
a newer one is released too: a signed amendment is the laboratory's correction, but it
reaches the patient only through the same recorded step as the original (the releaser
discusses the change first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from marrowscope.domain.errors import Conflict, InvalidInput, NotFound
from marrowscope.domain.reporting.model import ReportVersion

__all__ = ["ReportRelease", "version_to_release"]


@dataclass(frozen=True, slots=True)
class ReportRelease:
    """One recorded release: the version, when, the releaser's login and, as they stood at
    release, their full name and role (empty on releases recorded before names were)."""

    version: int
    released_at: datetime
    released_by: str
    released_by_name: str = ""
    released_by_role: str = ""

    @property
    def releaser(self) -> str:
        """'Dr Clara Chen, clinician': what pages print; the login when no name was kept."""
        name = self.released_by_name or self.released_by
        return f"{name}, {self.released_by_role}" if self.released_by_role else name


def version_to_release(
    case_id: int,
    versions: Sequence[ReportVersion],
    released: ReportRelease | None,
    confirmed: int | None,
) -> ReportVersion:
    """The newest signed version, provided the releaser confirmed exactly that one.

    Refusals: no signed version (``NotFound``); no version confirmed, or one that was
    never signed (``InvalidInput``, naming the field ``version``); an older signed
    version confirmed, or the newest already released (``Conflict``).
    """
    signed = [v for v in versions if v.is_signed]
    if not signed:
        raise NotFound(f"case {case_id} has no signed report to release")
    newest = signed[-1]
    if confirmed is None:
        raise InvalidInput(
            f"version: confirm the version you release (the newest signed is version "
            f"{newest.version})"
        )
    if confirmed not in {v.version for v in signed}:
        raise InvalidInput(
            f"version: the report has no signed version {confirmed} (the newest signed is "
            f"version {newest.version})"
        )
    if confirmed != newest.version:
        raise Conflict(
            f"version {confirmed} is not the newest signed version: version {newest.version} "
            f"was signed since; read it before releasing"
        )
    if released is not None and released.version == newest.version:
        raise Conflict(f"version {newest.version} of case {case_id} is already released")
    return newest
