"""Orders as EHRs send them after the first one: changed (XO), cancelled (CA) and
discontinued (DC) with history, order sets handled group by group, a reused MSH-10
with other content refused, FT escapes, ICD-10 codes and providers kept as sent.

Answers are read with python-hl7 (not our writer), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import hl7
import pytest

from marrowscope.domain.cases.model import CaseStatus
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, interop
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from tests.integration import test_interop_orders as _orders_suite
from tests.integration.hl7_orders import epic, message, seg
from tests.integration.test_interop_orders import _counts, _hl7, _orders

db = _orders_suite.db  # the same databases: Garcia with an open case, O'Brien with an order

NURSE = Actor("nurse.one", Role.PROCEDURALIST)


def _orc(answer: str) -> list[tuple[str, str, str, str]]:
    """(ORC-1, ORC-2.1, ORC-3.1, ORC-5) of every order in the answer (python-hl7)."""
    parsed = hl7.parse(answer)
    return [
        (
            str(o[1]),
            str(o[2]).split("^")[0],
            str(o[3]).split("^")[0],
            str(o[5]) if len(o) > 5 else "",
        )
        for o in parsed.segments("ORC")
    ]


def _msa(answer: str) -> tuple[str, str, str]:
    parsed = hl7.parse(answer)
    return (
        str(parsed.segment("MSH")[9]),
        str(parsed.segment("MSA")[1]),
        str(parsed.segment("MSA")[2]),
    )


def test_a_new_order_keeps_the_placer_number_provider_and_is_answered_ok(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, _engine = db

    result = _hl7(factory, epic(placer="E1047283"), assigning_authority="HOSP")

    assert result.accepted, result.error
    assert _msa(result.ack) == ("ORL^O22^ORL_O22", "AA", "EP100001")
    assert _orc(result.ack) == [("OK", "E1047283", str(result.case_id), "IP")]
    ((_case, payload),) = _orders(factory, "H300123")
    origin = payload["origin"]
    assert (origin["placer_number"], origin["placer_namespace"]) == ("E1047283", "EPIC")
    assert origin["filler_number"] == str(result.case_id)
    assert origin["orderer"]["identifier"] == "1234567890"
    assert (origin["orderer"]["family_name"], origin["orderer"]["authority"]) == ("Smith", "NPI")
    assert origin["service_code"] == "BMEXAM"


def test_the_same_control_id_with_other_content_is_refused_and_nothing_filed(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, engine = db
    first = _hl7(factory, epic())
    counts = _counts(engine)

    reused = _hl7(factory, epic(placer="ORD999999"))  # same MSH-10 EP100001, another order

    assert first.accepted and not reused.accepted
    assert _msa(reused.ack)[1:] == ("AE", "EP100001")
    assert "|205^" in reused.ack
    assert _counts(engine) == counts


def test_a_repeat_with_a_new_timestamp_gets_the_first_answer_again(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, engine = db
    first = _hl7(factory, epic())
    counts = _counts(engine)

    again = _hl7(factory, epic().replace("20260302073000+0000", "20260302073500+0000", 1))

    assert again.accepted and again.duplicate
    assert again.ack == first.ack
    assert _counts(engine) == counts


def test_a_change_supersedes_the_order_and_keeps_the_first_in_history(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, _engine = db
    placed = _hl7(factory, epic())

    changed = _hl7(
        factory,
        epic(control="EP100002", orc1="XO", obr31="R50.9^Fever, unspecified^I10"),
    )

    assert changed.accepted, changed.error
    assert _orc(changed.ack)[0][0] == "XR"
    ((case_id, payload),) = _orders(factory, "H300123")
    assert case_id == placed.case_id
    assert payload["indications"] == ["fever_unknown_origin"]
    assert payload["origin"]["diagnoses"] == [
        {"system": "I10", "code": "R50.9", "text": "Fever, unspecified",
         "indication": "fever_unknown_origin"}
    ]  # fmt: skip
    with factory() as uow:
        current = uow.pathway.latest(case_id, RecordKind.ORDER)
        assert current is not None and current.supersedes_id is not None


@pytest.mark.parametrize(("control", "answer"), [("CA", "CR"), ("DC", "DR")])
def test_a_cancel_before_the_procedure_cancels_the_case(
    db: tuple[UnitOfWorkFactory, Any], control: str, answer: str
) -> None:
    factory, _engine = db
    placed = _hl7(factory, epic())

    cancelled = _hl7(factory, epic(control="EP100003", orc1=control))

    assert cancelled.accepted, cancelled.error
    assert _orc(cancelled.ack)[0][0] == answer
    with factory() as uow:
        case = uow.cases.get(placed.case_id or 0)
        assert case is not None and case.status is CaseStatus.CANCELLED
        open_ids = [c.id for c in cases.list_cases(uow, NURSE, status=CaseStatus.OPEN)]
    assert placed.case_id not in open_ids


def test_a_cancel_after_the_procedure_is_refused_and_the_order_stays(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    factory, engine = db
    placed = _hl7(factory, epic())
    with factory() as uow:
        uow.pathway.add_record(
            placed.case_id or 0, RecordKind.PROCEDURE, {"procedure": {}}, at=uow.now(), by="x"
        )
        uow.commit()
    counts = _counts(engine)

    refused = _hl7(factory, epic(control="EP100004", orc1="CA"))

    assert not refused.accepted
    assert _msa(refused.ack)[1] == "AE" and _orc(refused.ack)[0][0] == "UC"
    assert "in progress" in refused.error
    assert _counts(engine) == counts


_JONES = "77881^JONES^PETER^^^^^^^^^^PRSNL"  # XCN-13 identifier type PRSNL, Cerner-style


def _order_set() -> str:
    """Cerner-style ORM 2.3.1 order set: a CBC (not ours), then the marrow, FT escapes."""
    return message(
        "CR7001",
        "ORM^O01",
        "2.3.1",
        [
            "PID|1|H200001|H200001^^^HOSP^MR||GARCIA^MARIA||19620704|F",
            seg("ORC", {1: "NW", 2: "55019001^HNAM_ORDERID", 12: _JONES}),
            seg("OBR", {1: "1", 2: "55019001^HNAM_ORDERID", 4: "CBC^Complete blood count^L"}),
            seg("ORC", {1: "NW", 2: "55019002^HNAM_ORDERID", 12: _JONES}),
            seg("OBR", {1: "2", 2: "55019002^HNAM_ORDERID", 4: "BMEXAM^Bone marrow^L",
                        31: "D69.6^Thrombocytopenia^I10"}),
            "DG1|1|I10|D46.9^Myelodysplastic syndrome, unspecified^I10|||W",
            "NTE|1|L|\\H\\Plt 31\\N\\\\.br\\on no anticoagulant",
        ],
        sender="CERNER|HNAM",
        at="20260302081500",
    )  # fmt: skip


def test_an_order_set_is_answered_group_by_group(db: tuple[UnitOfWorkFactory, Any]) -> None:
    factory, _engine = db

    result = _hl7(factory, _order_set())

    assert result.accepted, result.error
    assert _msa(result.ack) == ("ORR^O02^ORR_O02", "AA", "CR7001")
    assert [o[:2] for o in _orc(result.ack)] == [("UA", "55019001"), ("OK", "55019002")]
    ((_case, payload),) = _orders(factory, "H200001")
    assert payload["indications"] == ["unexplained_cytopenia", "other"]
    assert "Plt 31\non no anticoagulant" in payload["clinical_details"]
    assert "\\H\\" not in payload["clinical_details"]
    assert "(ICD-10 D46.9)" in payload["clinical_details"]
    codes = [(d["code"], d["indication"]) for d in payload["origin"]["diagnoses"]]
    assert codes == [("D69.6", "unexplained_cytopenia"), ("D46.9", "")]
    assert payload["origin"]["orderer"]["id_type"] == "PRSNL"


def test_the_result_goes_back_with_the_ehr_placer_number_and_provider(
    db: tuple[UnitOfWorkFactory, Any],
) -> None:
    """Before: an order received as ORD778812^EPIC came back as the case number, and
    OBR-16 carried the whole name in its ID component."""
    factory, _engine = db
    placed = _hl7(factory, epic(placer="E1047283"))

    with factory() as uow:
        oru = interop.export_case_hl7(uow, Actor("path", Role.PATHOLOGIST), placed.case_id or 0)

    obr = hl7.parse(oru).segment("OBR")
    orc = hl7.parse(oru).segment("ORC")
    assert str(orc[2]) == str(obr[2]) == "E1047283^EPIC"
    assert str(orc[3]) == str(placed.case_id)
    assert str(obr[4]).startswith("BMEXAM^")
    assert str(obr[16]).split("^")[:3] == ["1234567890", "Smith", "Ann"]
    assert str(obr[16]).split("^")[8] == "NPI"
