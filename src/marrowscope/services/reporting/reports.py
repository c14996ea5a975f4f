"""Report use cases: draft, sign-out, amendment and addendum, release, reading versions.

The web app calls these through ``web.report_bridge``; the exports call
``report_for_export``. Every write is audited in the same unit of work. Signing stores the
version's canonical JSON and its rendered PDF; those bytes are never rewritten, so the
original of an amended report is retrievable exactly as it was signed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marrowscope.domain import reporting as report
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import InvalidInput, NotFound
from marrowscope.domain.reporting import (
    ReportKind,
    ReportVersion,
    SignatureMeaning,
    canonical_json,
    parse_meaning,
    prefill_fields,
    require_confirmation,
    version_to_release,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.reports.pdf import render_pdf
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import get_case, load_case_record
from marrowscope.services.reporting.assembly import Letterhead, _view
from marrowscope.services.reporting.critical_calls import CallTimes, require_call_before_release
from marrowscope.services.reporting.signout import signout_warnings
from marrowscope.services.reporting.store import ReportStore, _store
from marrowscope.services.reporting.views import ROLE_WORDS, _fields, _require
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["addend_report", "amend_report", "release_report", "save_draft", "sign_report"]

DRAFTERS = frozenset({Role.PATHOLOGIST, Role.MORPHOLOGIST})
SIGNERS = frozenset({Role.PATHOLOGIST})


@transactional
def save_draft(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    fields: Mapping[str, str],
    *,
    counts: Mapping[CellClass, int] | Mapping[str, int] | None = None,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """Create the draft, or change its fields; ``counts`` replaces the differential snapshot.

    A new draft starts from ``domain.report`` (order, blood count, procedure,
    verified results, tests pending); the given ``fields`` win over the prefilled text
    where they say something. A blank given field does not wipe the prefilled text: the
    web form posts every field, and before this rule a first save posted blanks over the
    whole prefill, so every draft started empty.

    A signed report refuses (``ImmutableRecord``): it changes by amendment only.
    """
    _require(actor, DRAFTERS, "write a report")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    versions = store.versions(case_id)
    snapshot = (
        None if counts is None else {CellClass(c).value: int(n) for c, n in counts.items() if n}
    )
    if not versions:
        # the first draft starts from the order and the verified results already filed
        given = {k: v for k, v in fields.items() if str(v).strip()}
        start = {**prefill_fields(load_case_record(uow, actor, case_id)), **given}
        draft = report.new_draft(case_id, start, snapshot or {}, by=actor.username, at=uow.now())
        store.add(draft, canonical=None, pdf=None)
        record_audit(
            uow, actor, "report", case_id, AuditAction.CREATE, None, _fields(draft),
            case_id=case_id,
        )  # fmt: skip
    else:
        old = versions[-1]
        draft = report.update_draft(old, fields)
        if snapshot is not None:
            draft = report.replace_counts(draft, snapshot)
        store.save_draft(draft)
        record_audit(
            uow, actor, "report", case_id, AuditAction.UPDATE, _fields(old), _fields(draft),
            case_id=case_id,
        )  # fmt: skip
    uow.commit()
    return draft


def _freeze(
    uow: UnitOfWork, store: ReportStore, version: ReportVersion, letterhead: Letterhead | None
) -> tuple[bytes, bytes]:
    view = _view(uow, store, version, letterhead)
    return canonical_json(view), render_pdf(view)


@transactional
def sign_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    confirm_warnings: bool = False,
    undecided_ai_cells: int = 0,
    signer_name: str = "",
    meaning: SignatureMeaning | str = SignatureMeaning.AUTHORED,
    letterhead: Letterhead | None = None,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """Sign the draft out (pathologists only); stores its canonical JSON and PDF.

    Refused (``NotAllowed``) while ``signout_warnings`` stand and ``confirm_warnings`` is
    not given: a small count, tests pending or unverified, undecided AI cells. The
    caller re-authenticates the signer (``services.accounts.confirm_signer``);
    ``signer_name`` is printed with the role and ``meaning`` (authored, reviewed,
    approved) is stored and printed with the signature.
    """
    _require(actor, SIGNERS, "sign a report")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    versions = store.versions(case_id)
    if not versions:
        raise NotFound(f"case {case_id} has no report draft")
    signed = report.sign(
        versions[-1], by=actor.username, at=uow.now(),
        name=signer_name.strip() or actor.username, role=ROLE_WORDS[actor.role],
        meaning=parse_meaning(str(meaning)),
    )  # fmt: skip
    warnings = signout_warnings(
        uow, actor, case_id, undecided_ai_cells=undecided_ai_cells, stores=stores
    )
    require_confirmation(warnings, confirm_warnings)
    canonical, pdf = _freeze(uow, store, signed, letterhead)
    store.mark_signed(signed, canonical=canonical, pdf=pdf)
    record_audit(
        uow, actor, "report", case_id, AuditAction.TRANSITION, _fields(versions[-1]),
        {**_fields(signed), "warnings_confirmed": [w.code for w in warnings]},
        case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return signed


def _new_version(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    kind: ReportKind,
    fields: Mapping[str, str],
    reason: str,
    stores: Callable[[Any], ReportStore] | None,
    signer_name: str = "",
    letterhead: Letterhead | None = None,
    meaning: SignatureMeaning | str = SignatureMeaning.AUTHORED,
) -> ReportVersion:
    _require(actor, SIGNERS, f"write an {kind.value}")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    versions = store.versions(case_id)
    if not versions:
        raise NotFound(f"case {case_id} has no report")
    new = report.amend(
        versions[-1], kind, fields, reason=reason, by=actor.username, at=uow.now(),
        name=signer_name.strip() or actor.username, role=ROLE_WORDS[actor.role],
        meaning=parse_meaning(str(meaning)),
    )  # fmt: skip
    canonical, pdf = _freeze(uow, store, new, letterhead)
    store.add(new, canonical=canonical, pdf=pdf)
    record_audit(
        uow, actor, "report", case_id, AuditAction.SUPERSEDE, _fields(versions[-1]),
        _fields(new), case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return new


@transactional
def amend_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    fields: Mapping[str, str],
    *,
    reason: str,
    signer_name: str = "",
    meaning: SignatureMeaning | str = SignatureMeaning.AUTHORED,
    letterhead: Letterhead | None = None,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """A signed amendment: a new version with changed fields, its reason, author, time
    and what the signature means (the caller re-authenticates the signer)."""
    return _new_version(
        uow, actor, case_id, ReportKind.AMENDMENT, fields, reason, stores, signer_name,
        letterhead, meaning,
    )  # fmt: skip


@transactional
def addend_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    text: str,
    *,
    reason: str,
    pending_tests: str | None = None,
    signer_name: str = "",
    meaning: SignatureMeaning | str = SignatureMeaning.AUTHORED,
    letterhead: Letterhead | None = None,
    stores: Callable[[Any], ReportStore] | None = None,
) -> ReportVersion:
    """A signed addendum (supplementary report), e.g. a pending test's result; the
    caller re-authenticates the signer."""
    fields = {"addendum": text}
    if pending_tests is not None:
        fields["pending_tests"] = pending_tests
    return _new_version(
        uow, actor, case_id, ReportKind.ADDENDUM, fields, reason, stores, signer_name,
        letterhead, meaning,
    )  # fmt: skip


@transactional
def release_report(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    version: int | None = None,
    releaser: Role = Role.CLINICIAN,
    releaser_name: str = "",
    stores: Callable[[Any], ReportStore] | None = None,
    calls: Callable[[Any], CallTimes] | None = None,
) -> int:
    """Release the newest signed version to the patient (a recorded step); its number.

    Who may release is the laboratory's setting (``releaser``: the clinician by default,
    who discusses the result with the patient first; or the pathologist). ``version`` is
    the version the releaser read and confirms; any other (a newer amendment signed in
    the meantime, or none named) is refused and nothing is recorded
    (``domain.reporting.version_to_release``). The release keeps the releaser's full
    name and role as they stand now, which the pages print. A case whose blood count
    holds a critical value is refused (``NotAllowed``) until a call with read-back is
    logged on it (``services.reporting.critical_calls``).
    """
    if releaser not in (Role.CLINICIAN, Role.PATHOLOGIST):
        raise InvalidInput("release: the releasing role is the clinician or the pathologist")
    _require(actor, frozenset({releaser}), "release a report to the patient in this laboratory")
    get_case(uow, actor, case_id)
    store = _store(uow, stores)
    newest = version_to_release(case_id, store.versions(case_id), store.released(case_id), version)
    require_call_before_release(uow, actor, case_id, calls)
    store.add_release(
        case_id, newest.version, at=uow.now(), by=actor.username,
        name=releaser_name.strip() or actor.username, role=ROLE_WORDS[actor.role],
    )  # fmt: skip
    record_audit(
        uow, actor, "report", case_id, AuditAction.TRANSITION, None,
        {"released_version": newest.version, "released_by_role": actor.role.value},
        case_id=case_id,
    )  # fmt: skip
    uow.commit()
    return newest.version
