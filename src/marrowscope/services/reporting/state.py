"""Where a case's report stands, in words, for staff pages and the patient portal.

Release to the patient is a decision of its own (by default the clinician's, who
discusses the result first; a laboratory may give it to the pathologist), so "signed"
and "released" are different states and both are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marrowscope.domain.roles import Actor, Role
from marrowscope.services.cases import get_case
from marrowscope.services.reporting.store import ReportStore, _store
from marrowscope.services.reporting.views import ROLE_WORDS
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["ReportState", "report_state"]


@dataclass(frozen=True, slots=True)
class ReportState:
    """``status`` is none | draft | signed | released; ``words`` is what a page shows.

    ``version`` is the newest version (signed or not); ``released_version``,
    ``released_at`` and ``released_by`` (name and role, as printed) describe the last
    release, which after an amendment is an older version than ``version``: the patient
    still sees that one until the amendment is released too.
    """

    status: str
    words: str
    version: int | None = None
    signed_at: datetime | None = None
    released_at: datetime | None = None
    released_by: str = ""
    releaser: str = ""
    released_version: int | None = None

    @property
    def awaiting_release(self) -> bool:
        """Signed, and the newest signed version not yet released."""
        return self.status == "signed"


def report_state(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    releaser: Role = Role.CLINICIAN,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportState:
    """The report's state (a patient may ask only about their own case)."""
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    versions = store.versions(case_id)
    who = ROLE_WORDS[releaser]
    if not versions:
        return ReportState("none", "No report yet", releaser=who)
    signed = [v for v in versions if v.is_signed]
    if not signed:
        return ReportState("draft", "Report in draft", versions[-1].version, releaser=who)
    newest = signed[-1]
    last = store.released(case_id)
    if last is None:
        return ReportState(
            "signed",
            f"Version {newest.version} signed; awaiting release to the patient by the {who}",
            newest.version, newest.signed_at, releaser=who,
        )  # fmt: skip
    at = f"{last.released_at:%Y-%m-%d %H:%M} UTC"
    if last.version == newest.version:
        status = "released"
        words = f"Version {last.version} released to the patient by {last.releaser} on {at}"
    else:
        status = "signed"
        words = (
            f"Version {newest.version} signed; awaiting release to the patient by the {who}; "
            f"the patient sees version {last.version}, released on {at}"
        )
    return ReportState(
        status, words, newest.version, newest.signed_at, last.released_at, last.releaser,
        who, last.version,
    )  # fmt: skip
