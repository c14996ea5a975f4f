"""Subprocess helpers for the persistence tests (run as ``python -m``, not collected).

``seed URL OUT.json``   migrate, seed the demo case, dump the whole case record as JSON.
``hold URL``            open a transaction, write a patient, case and audit rows, print
                        READY and wait (to be killed mid-transaction).
``stream URL``          commit one small pathway after another until killed.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.audit import AuditAction, to_json_value
from marrowscope.domain.cases.model import NewPatient, Sex
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, pathway
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork

STAFF = Actor("writer", Role.CLINICIAN)


def case_snapshot(uow: UnitOfWork, case_id: int) -> Any:
    """The whole case, plus its audit trail, as JSON-ready data."""
    record = cases.load_case_record(uow, STAFF, case_id)
    audit = [
        {"entity": e.entity, "entity_id": e.entity_id, "action": e.action.value,
         "actor": e.actor.username, "at": e.at.isoformat(),
         "changes": {k: [c.old, c.new] for k, c in e.changes.items()}}
        for e in uow.audit.for_case(case_id)
    ]  # fmt: skip
    return json.loads(json.dumps({"record": to_json_value(record), "audit": audit}))


def seed(url: str, out: Path) -> None:
    from marrowscope.services.walkthrough import seed_demo_case

    upgrade_database(url)
    engine = make_engine(url)
    factory = build_uow_factory(engine)
    made = seed_demo_case(factory)
    with factory() as uow:
        out.write_text(json.dumps({"case_id": made.case_id, **case_snapshot(uow, made.case_id)}))
    engine.dispose()


def hold(url: str) -> None:
    engine = make_engine(url)
    with build_uow_factory(engine)() as uow:
        patient = uow.patients.add(
            NewPatient("KILL-1", "Half", "Written", date(1970, 1, 1), Sex.MALE), at=uow.now()
        )
        case = uow.cases.add(patient.id, opened_at=uow.now(), opened_by="writer", ward="HAEM")
        record_audit(uow, STAFF, "case", case.id, AuditAction.CREATE, None, {"x": 1})
        print("READY", flush=True)  # noqa: T201 - the parent waits for this line
        time.sleep(600)


def stream(url: str) -> None:
    engine = make_engine(url)
    factory = build_uow_factory(engine)
    n = 0
    while True:
        n += 1
        with factory() as uow:
            p = cases.register_patient(
                uow, STAFF, mrn=f"S-{n}", family_name="Stream", given_name=str(n),
                birth_date=date(1980, 1, 1), sex="female",
            )  # fmt: skip
            case = cases.open_case(uow, STAFF, p.id)
            pathway.record_cbc(uow, STAFF, case.id, collected_at=uow.now(),
                               measurements={"hb": 100, "platelets": 50})  # fmt: skip
            pathway.place_order(uow, STAFF, case.id, indications=["unexplained_cytopenia"],
                                clinical_details="")  # fmt: skip
        if n == 3:
            print("READY", flush=True)  # noqa: T201


if __name__ == "__main__":
    command, url, *rest = sys.argv[1:]
    if command == "seed":
        seed(url, Path(rest[0]))
    elif command == "hold":
        hold(url)
    elif command == "stream":
        stream(url)
