"""The web app's view of the reports area: draft, sign-out, release, patient summary.

One module so that the routers depend on four calls, not on the reports area's layout.
Until that area is installed, reading gives nothing and writing says so plainly.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from marrowscope.domain.errors import NotAllowed
from marrowscope.domain.roles import Actor
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "addendum",
    "amend",
    "available",
    "current_report",
    "patient_summary",
    "prefill",
    "release",
    "report_html",
    "report_pdf",
    "save_draft",
    "sections",
    "sign",
    "signout_warnings",
    "state",
    "versions",
]


def _service() -> ModuleType | None:
    try:
        return importlib.import_module("marrowscope.services.reporting")
    except ImportError:
        return None


def available() -> bool:
    """Whether the reports area is installed."""
    return _service() is not None


def _call(name: str, *args: Any) -> Any:
    """Call ``services.reporting.<name>``; a plain refusal when it is not there."""
    service = _service()
    function = getattr(service, name, None) if service is not None else None
    if function is None:
        raise NotAllowed(f"the report service offers no {name.replace('_', ' ')} in this version")
    return function(*args)


def current_report(uow: UnitOfWork, actor: Actor, case_id: int) -> Any | None:
    """The case's newest report version, or None."""
    if getattr(_service(), "current_report", None) is None:
        return None
    return _call("current_report", uow, actor, case_id)


def save_draft(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    fields: Mapping[str, str],
    counts: Mapping[Any, int] | None = None,
) -> None:
    """Create or update the draft report (``counts``: a new differential snapshot)."""
    service = _service()
    function = getattr(service, "save_draft", None) if service is not None else None
    if function is None:
        raise NotAllowed("the report service offers no save draft in this version")
    function(uow, actor, case_id, dict(fields), counts=counts)


def amend(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    fields: Mapping[str, str],
    reason: str,
    **options: Any,
) -> None:
    """A signed amendment (new version with its reason); ``options``: signer, letterhead."""
    service = _service()
    function = getattr(service, "amend_report", None) if service is not None else None
    if function is None:
        raise NotAllowed("the report service offers no amendment in this version")
    function(uow, actor, case_id, dict(fields), reason=reason, **options)


def addendum(
    uow: UnitOfWork, actor: Actor, case_id: int, text: str, reason: str, **options: Any
) -> None:
    """A signed addendum (supplementary report)."""
    service = _service()
    function = getattr(service, "addend_report", None) if service is not None else None
    if function is None:
        raise NotAllowed("the report service offers no addendum in this version")
    function(uow, actor, case_id, text, reason=reason, **options)


def prefill(uow: UnitOfWork, actor: Actor, case_id: int) -> dict[str, str]:
    """What a new draft starts with (empty without the service)."""
    if getattr(_service(), "draft_prefill", None) is None:
        return {}
    return dict(_call("draft_prefill", uow, actor, case_id))


def signout_warnings(
    uow: UnitOfWork, actor: Actor, case_id: int, undecided_ai_cells: int
) -> list[Any]:
    """Warnings to confirm before sign-out (empty without the service)."""
    service = _service()
    function = getattr(service, "signout_warnings", None) if service is not None else None
    if function is None:
        return []
    return list(function(uow, actor, case_id, undecided_ai_cells=undecided_ai_cells))


def versions(uow: UnitOfWork, actor: Actor, case_id: int) -> list[Any]:
    """Every version of the report, oldest first (empty without the service)."""
    if getattr(_service(), "list_versions", None) is None:
        return []
    return list(_call("list_versions", uow, actor, case_id))


def report_html(uow: UnitOfWork, actor: Actor, case_id: int) -> str | None:
    """The newest version as an escaped HTML fragment, or None."""
    if getattr(_service(), "report_html", None) is None:
        return None
    html = _call("report_html", uow, actor, case_id)
    return None if html is None else str(html)


def report_pdf(
    uow: UnitOfWork, actor: Actor, case_id: int, version: int | None, **options: Any
) -> bytes:
    """The PDF (stored bytes of a signed version; a draft with ``options['letterhead']``)."""
    service = _service()
    function = getattr(service, "report_pdf", None) if service is not None else None
    if function is None:
        raise NotAllowed("the report service offers no report pdf in this version")
    return bytes(function(uow, actor, case_id, version, **options))


def sections() -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """The report's sections and fields, in ICSH order (empty without the service)."""
    try:
        module = importlib.import_module("marrowscope.domain.reporting")
    except ImportError:
        return ()
    found: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = module.SECTIONS
    return found


def sign(uow: UnitOfWork, actor: Actor, case_id: int, **options: Any) -> None:
    """Sign the draft out (``options``: confirm_warnings, undecided_ai_cells, signer...)."""
    service = _service()
    function = getattr(service, "sign_report", None) if service is not None else None
    if function is None:
        raise NotAllowed("the report service offers no sign report in this version")
    function(uow, actor, case_id, **options)


def release(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    releaser: Any,
    version: int | None,
    releaser_name: str = "",
) -> None:
    """Release the signed ``version`` the releaser confirmed to the patient (``releaser``:
    the lab's releasing role; ``releaser_name``: printed with the release)."""
    service = _service()
    function = getattr(service, "release_report", None) if service is not None else None
    if function is None:
        raise NotAllowed("the report service offers no release in this version")
    function(uow, actor, case_id, version=version, releaser=releaser, releaser_name=releaser_name)


def state(uow: UnitOfWork, actor: Actor, case_id: int, releaser: Any) -> Any | None:
    """Where the report stands (none/draft/signed/released), or None without the service."""
    try:
        module = importlib.import_module("marrowscope.services.reporting")
    except ImportError:
        return None
    return module.report_state(uow, actor, case_id, releaser=releaser)


def patient_summary(uow: UnitOfWork, actor: Actor, case_id: int) -> str | None:
    """The plain-language summary of a released report, or None when none is released."""
    if getattr(_service(), "patient_summary", None) is None:
        return None
    summary = _call("patient_summary", uow, actor, case_id)
    return None if summary is None else str(summary)
