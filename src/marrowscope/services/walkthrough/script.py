"""Walk a case from a script: a JSON document of steps, each run as one use case.

The scripted end-to-end case of the acceptance tests, and a way to load a teaching case
without the web app (``marrowscope case walk FILE``). Times may be written relative to
the moment the script runs (``"-3d"``, ``"-26h"``, ``"+15m"``) or as ISO 8601. Specimens
are named in the script so later steps can refer to them::

    {"patient": {"mrn": "...", "family_name": "...", "given_name": "...",
                 "birth_date": "1960-01-31", "sex": "female"},
     "steps": [
       {"as": "clinician", "step": "cbc", "collected_at": "-2d",
        "measurements": {"hb": [92, "g/L"], "platelets": 40}},
       {"as": "clinician", "step": "order", "indications": ["unexplained_cytopenia"]},
       {"as": "nurse", "step": "assessment", "plan": {"planned_at": "-1h"}, "assessment": {...}},
       {"as": "proceduralist", "step": "procedure", "procedure": {...}},
       {"as": "proceduralist", "step": "specimen", "name": "edta",
        "kind": "aspirate_edta", "tests": ["flow_cytometry"]},
       {"as": "lab", "step": "receive", "specimen": "edta"},
       {"as": "lab", "step": "advance", "specimen": "edta", "test": "flow_cytometry",
        "to": "in_process"},
       {"as": "lab", "step": "result", "specimen": "edta", "test": "flow_cytometry",
        "data": {"text": "..."}},
       {"as": "pathologist", "step": "verify", "specimen": "edta", "test": "flow_cytometry"},
       {"as": "nurse", "step": "aftercare"},
       {"as": "nurse", "step": "check_in", "symptoms": ["mild_soreness"]}]}

``"as"`` is a role name (the username is the role unless written ``"user:role"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from marrowscope.domain.errors import InvalidInput, MarrowscopeError, NotFound
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, lab, pathway
from marrowscope.services.cases import codec
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["WalkResult", "walk_script"]

_RELATIVE = re.compile(r"^([+-])(\d+(?:\.\d+)?)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True, slots=True)
class WalkResult:
    """What the script created."""

    patient_id: int
    case_id: int
    steps_run: int
    accessions: dict[str, str]


def _resolve_times(value: Any, now: datetime) -> Any:
    """Relative time strings anywhere in ``value`` turned into ISO times."""
    if isinstance(value, str):
        m = _RELATIVE.match(value.strip())
        if m:
            delta = timedelta(**{_UNITS[m.group(3)]: float(m.group(2))})
            return (now + delta if m.group(1) == "+" else now - delta).isoformat()
        return value
    if isinstance(value, Mapping):
        return {k: _resolve_times(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_times(v, now) for v in value]
    return value


_ROLE_ALIASES = {"lab": Role.LAB_SCIENTIST}  # the demo account names


def _actor(text: str) -> Actor:
    user, _, role = text.partition(":")
    try:
        return Actor(user, _ROLE_ALIASES.get(role or user) or Role(role or user))
    except ValueError:
        raise InvalidInput(f"as: {text!r} names no role") from None


def _test_id(uow: UnitOfWork, accessions: dict[str, str], step: Mapping[str, Any]) -> int:
    name = str(step.get("specimen", ""))
    if name not in accessions:
        raise NotFound(f"specimen {name!r} was not collected earlier in the script")
    specimen = uow.pathway.specimen_by_accession(accessions[name])
    if specimen is None:
        raise NotFound(f"specimen {name!r} is not in the database")
    wanted = str(step.get("test", ""))
    for test in uow.pathway.tests_for_specimen(specimen.id):
        if test.test_type.value == wanted:
            return test.id
    raise NotFound(f"{wanted} was never ordered on specimen {name!r}")


def walk_script(uow: UnitOfWork, script: Mapping[str, Any]) -> WalkResult:
    """Run every step; the first failing step stops the walk with its step number.

    Steps already run stay committed (each is its own transaction), as they would at
    the bedside; the failing step itself leaves nothing behind.
    """
    now = uow.now()
    doc = _resolve_times(script, now)
    p = doc.get("patient") or {}
    registrar = _actor(str(p.get("as", "clinician")))
    try:
        patient = cases.register_patient(
            uow, registrar, mrn=str(p.get("mrn", "")), family_name=str(p.get("family_name", "")),
            given_name=str(p.get("given_name", "")),
            birth_date=date.fromisoformat(str(p.get("birth_date", ""))), sex=str(p.get("sex", "")),
        )  # fmt: skip
    except ValueError as error:
        raise InvalidInput(f"patient: {error}") from error
    case = cases.open_case(uow, registrar, patient.id)
    accessions: dict[str, str] = {}
    steps = doc.get("steps") or []
    for number, step in enumerate(steps, start=1):
        try:
            _run_step(uow, case.id, step, accessions)
        except MarrowscopeError as error:
            raise type(error)(f"step {number} ({step.get('step')}): {error}") from error
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(f"step {number} ({step.get('step')}): {error!s}") from error
    return WalkResult(patient.id, case.id, len(steps), accessions)


def _run_step(
    uow: UnitOfWork, case_id: int, step: Mapping[str, Any], accessions: dict[str, str]
) -> None:
    who = _actor(str(step.get("as", "")))
    kind = step.get("step")
    if kind == "cbc":
        pathway.record_cbc(
            uow, who, case_id, collected_at=datetime.fromisoformat(step["collected_at"]),
            measurements=step["measurements"], laboratory=step.get("laboratory", ""),
        )  # fmt: skip
    elif kind == "order":
        pathway.place_order(
            uow, who, case_id, indications=step["indications"],
            clinical_details=step.get("clinical_details", ""),
            urgency=step.get("urgency", "routine"), tests=step.get("tests"),
        )  # fmt: skip
    elif kind == "assessment":
        plan = codec.plan_from(
            {"sedation": "local", "local_anaesthetic": "lidocaine",
             "antiseptic": "chlorhexidine", **step["plan"]}
        )  # fmt: skip
        pathway.record_assessment(uow, who, case_id, plan=plan, assessment=step["assessment"])
    elif kind == "procedure":
        pathway.record_procedure_from(
            uow, who, case_id, step["procedure"],
            stop_override_reason=step.get("stop_override_reason", ""),
        )  # fmt: skip
    elif kind == "specimen":
        got = lab.collect_specimen(
            uow, who, case_id, kind=step["kind"], tests=step.get("tests", []),
            accession=step.get("accession"),
        )  # fmt: skip
        accessions[str(step["name"])] = got.specimen.accession
    elif kind == "receive":
        lab.receive_specimen(uow, who, accessions[str(step["specimen"])])
    elif kind == "advance":
        test_id = _test_id(uow, accessions, step)
        lab.advance_test(uow, who, test_id, step["to"], reason=step.get("reason", ""))
    elif kind == "result":
        test_id = _test_id(uow, accessions, step)
        lab.post_result(uow, who, test_id, step["data"],
                               correction_reason=step.get("correction_reason", ""))  # fmt: skip
    elif kind == "verify":
        lab.verify_result(uow, who, _test_id(uow, accessions, step))
    elif kind == "aftercare":
        pathway.issue_aftercare(uow, who, case_id)
    elif kind == "check_in":
        pathway.record_check_in(
            uow, who, case_id, symptoms=step.get("symptoms", []),
            temperature_c=step.get("temperature_c"), notes=step.get("notes", ""),
        )  # fmt: skip
    else:
        raise InvalidInput(
            f"step: unknown {kind!r} (cbc, order, assessment, procedure, specimen, receive, "
            "advance, result, verify, aftercare, check_in)"
        )
