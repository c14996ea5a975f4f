"""Realistic incoming orders for a marrow examination, each with its ACK and what it files.

Written the way hospital systems send them: an Epic-style OML^O21 v2.5.1 (TQ1 priority,
NPI on ORC-12, a second PID-3 repetition from another authority, PV1, NTE), a
Cerner-style ORM^O01 v2.3.1 (upper-case names, local OBR-4 code with LOINC as the
alternate identifier, ORC-7 priority, ORC-9 without zone), a generic LIS OML^O21 v2.5
(DG1 diagnoses, a Z-segment), and the ones that must be refused. The database holds
H200001 Garcia^Maria (F, 1962-07-04; an open case without order) and H200002
O'Brien^John (M, 1948-11-30; an open case that already has an order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["CASES", "OrderCase", "message"]


def seg(name: str, fields: dict[int, str]) -> str:
    """A segment with each field at its HL7 position (MSH-1/2 are written by ``message``)."""
    last = max(fields) if fields else 0
    return "|".join([name, *(fields.get(i, "") for i in range(1, last + 1))])


def message(
    control: str,
    kind: str,
    version: str,
    body: list[str],
    sender: str = "EPIC|STMARYS",
    at: str = "20260302073000+0000",
) -> str:
    msh = f"MSH|^~\\&|{sender}|MARROWSCOPE|HAEM|{at}||{kind}|{control}|P|{version}|||AL|NE"
    return "\r".join([msh, *body]) + "\r"


_EPIC_PID = seg(
    "PID",
    {1: "1", 3: "H300123^^^HOSP^MR~9434765919^^^NHS^NH", 5: "Okafor^Grace^Adaeze", 7: "19710512",
     8: "F", 11: "12 High St^^Leeds^^LS1 4AB"},
)  # fmt: skip


def epic(control: str = "EP100001", placer: str = "ORD778812", **over: str) -> str:
    """Epic-style new order for a new patient: stat, pancytopenia, NTE about apixaban."""
    orc = {1: "NW", 2: f"{placer}^EPIC", 4: "GRP5521^EPIC", 9: "20260302072500+0000",
           12: "1234567890^Smith^Ann^^^Dr^^^NPI"}  # fmt: skip
    obr = {1: "1", 2: f"{placer}^EPIC", 4: "BMEXAM^Bone marrow aspirate and trephine^L",
           13: "Hb 72 g/L, plt 31, ANC 0.6; no B12/folate deficiency",
           16: "1234567890^Smith^Ann^^^Dr",
           31: "pancytopenia^Unexplained bicytopenia or pancytopenia^99MSI"}  # fmt: skip
    if "orc1" in over:
        orc[1] = over["orc1"]
    if "orc9" in over:
        orc[9] = over["orc9"]
    if "obr4" in over:
        obr[4] = over["obr4"]
    if "obr31" in over:
        obr[31] = over["obr31"]
    pid = over.get("pid", _EPIC_PID)
    return message(
        control,
        "OML^O21^OML_O21",
        over.get("version", "2.5.1"),
        [
            pid,
            "PV1|1|O|HAEMCLINIC^^^STMARYS",
            seg("ORC", orc),
            "TQ1|1||||||||S^Stat^HL70485",
            seg("OBR", obr),
            "NTE|1||Patient on apixaban - held 48 h before the procedure",
        ],
    )


_CERNER_SERVICE = "BMBX^Bone Marrow Biopsy^L^33721-2^Bone marrow Pathology biopsy report^LN"


def cerner(control: str = "CR5567", pid: str = "", version: str = "2.3.1") -> str:
    """Cerner-style ORM^O01 2.3.1 for Garcia, local code first and LOINC alternate."""
    return message(
        control,
        "ORM^O01",
        version,
        [
            pid or "PID|1|H200001|H200001^^^HOSP^MR||GARCIA^MARIA^L||19620704|F",
            seg("ORC", {1: "NW", 2: "55012345^HNAM_ORDERID", 7: "^^^^^R", 9: "20260302081000",
                        12: "77881^JONES^PETER^^^DR"}),
            seg("OBR", {1: "1", 2: "55012345^HNAM_ORDERID",
                        4: _CERNER_SERVICE,
                        27: "^^^^^R", 31: "blasts_in_blood^Blasts in blood^L"}),
            "NTE|1|L|Circulating blasts 4% on film, confirm with marrow",
        ],
        sender="CERNER|HNAM",
        at="20260302081500",
    )  # fmt: skip


def lis() -> str:
    """Generic LIS OML^O21 2.5 for O'Brien: reasons as DG1 (one ICD-10, one ours), a Z-segment."""
    return message(
        "LS-000977",
        "OML^O21",
        "2.5",
        [
            "PID|1||H200002^^^HOSP^MR||O'Brien^John||19481130|M",
            seg("ORC", {1: "NW", 2: "LS977", 9: "20260302085500+0100"}),
            seg("OBR", {1: "1", 2: "LS977", 4: "33721-2^Bone marrow Pathology biopsy report^LN",
                        16: "4455^Patel^Ravi"}),
            "DG1|1||C90.00^Multiple myeloma not having achieved remission^I10|||W",
            "DG1|2||treatment_monitoring^Treatment monitoring^L|||W",
            "ZDS|1|EXTRA^CUSTOM",
        ],
        sender="LABSYS|CITYLAB",
        at="20260302090000+0100",
    )  # fmt: skip


@dataclass(frozen=True)
class OrderCase:
    """One order message, its MSA-1 and ERR-3, and what it must file (None: nothing)."""

    id: str
    message: str
    ack: str
    err: str = ""
    mrn: str = ""
    order: dict[str, Any] | None = None  # expected fields of the stored order payload
    registered: bool = False  # a new patient was registered
    new_case: bool = False  # a case was opened for the order
    rules: dict[str, str] = field(default_factory=dict)


CASES: list[OrderCase] = [
    OrderCase(
        "epic-oml-2.5.1-new-patient",
        epic(),
        "AA",
        mrn="H300123",
        order={
            "indications": ["pancytopenia"],
            "urgency": "urgent",
            "ordered_at": datetime(2026, 3, 2, 7, 25, tzinfo=UTC),
            "ordered_by": "Dr Ann Smith (1234567890)",
            "details": ["Hb 72 g/L, plt 31", "apixaban - held 48 h"],
        },
        registered=True,
        new_case=True,
        rules={"assigning_authority": "HOSP"},
    ),
    OrderCase(
        "cerner-orm-2.3.1-existing-patient-open-case",
        cerner(),
        "AA",
        mrn="H200001",
        order={
            "indications": ["blasts_in_blood"],
            "urgency": "routine",
            # ORC-9 without an offset is read in the lab's zone (CST, UTC-6)
            "ordered_at": datetime(2026, 3, 2, 14, 10, tzinfo=UTC),
            "ordered_by": "DR PETER JONES (77881)",
            "details": ["Circulating blasts 4% on film"],
        },
        rules={"timezone": "America/Chicago"},
    ),
    OrderCase(
        "lis-oml-2.5-dg1-reasons-existing-patient-new-case",
        lis(),
        "AA",
        mrn="H200002",
        order={
            # C90.00 (ICD-10-CM) is myeloma: mapped to paraprotein (icd10_indications.toml)
            "indications": ["paraprotein", "treatment_monitoring"],
            "urgency": "routine",
            "ordered_at": datetime(2026, 3, 2, 7, 55, tzinfo=UTC),
            "ordered_by": "Ravi Patel (4455)",
            "details": [],
        },
        new_case=True,
    ),
    OrderCase(
        "identity-mismatch-date-of-birth",
        cerner("CR5568", "PID|1|H200001|H200001^^^HOSP^MR||GARCIA^MARIA||19620705|F"),
        "AE",
        "204",
        mrn="H200001",
    ),
    OrderCase(
        "identity-mismatch-sex",
        cerner("CR5569", "PID|1|H200001|H200001^^^HOSP^MR||GARCIA^MARIA||19620704|M"),
        "AE",
        "204",
        mrn="H200001",
    ),
    OrderCase("missing-indication", epic(obr31=""), "AE", "101", mrn="H300123"),
    OrderCase(
        "unknown-order-code", epic(obr4="CBC^Full blood count^L"), "AE", "103", mrn="H300123"
    ),
    OrderCase("cancel-of-an-order-never-received", epic(orc1="CA"), "AE", "204", mrn="H300123"),
    OrderCase("unknown-order-control", epic(orc1="SN"), "AE", "103", mrn="H300123"),
    OrderCase(
        "new-patient-without-date-of-birth",
        epic(pid="PID|1||H300123^^^HOSP^MR||Okafor^Grace||||F"),
        "AE",
        "101",
        mrn="H300123",
    ),
    OrderCase(
        # found wrong only after the patient and case were written: all of it rolls back
        "authored-in-the-future-after-registration",
        epic(orc9="20260303120000+0000"),
        "AE",
        "102",
        mrn="H300123",
    ),
    OrderCase(
        # OML^O21 is defined from v2.4; one labelled 2.3.1 is not read by guesswork
        "oml-labelled-2.3.1",
        epic(version="2.3.1"),
        "AR",
        "203",
        mrn="H300123",
    ),
    OrderCase("unsupported-version-2.6", epic(version="2.6"), "AR", "203", mrn="H300123"),
    OrderCase(
        "epic-oml-2.4-new-patient",
        epic(version="2.4"),
        "AA",
        mrn="H300123",
        order={
            "indications": ["pancytopenia"],
            "urgency": "urgent",
            "ordered_at": datetime(2026, 3, 2, 7, 25, tzinfo=UTC),
            "ordered_by": "Dr Ann Smith (1234567890)",
            "details": ["Hb 72 g/L, plt 31"],
        },
        registered=True,
        new_case=True,
        rules={"assigning_authority": "HOSP"},
    ),
    OrderCase(
        "cerner-orm-2.3-existing-patient-open-case",
        cerner(version="2.3"),
        "AA",
        mrn="H200001",
        order={
            "indications": ["blasts_in_blood"],
            "urgency": "routine",
            "ordered_at": datetime(2026, 3, 2, 8, 10, tzinfo=UTC),
            "ordered_by": "DR PETER JONES (77881)",
            "details": ["Circulating blasts 4% on film"],
        },
    ),
    OrderCase(
        "mrn-of-another-authority-only",
        epic(pid="PID|1||9434765919^^^NHS^NH||Okafor^Grace||19710512|F"),
        "AE",
        "204",  # an identifier was sent, but not one this site keys patients by
        mrn="H300123",
        rules={"assigning_authority": "HOSP"},
    ),
    OrderCase(
        "not-an-order-message",
        message("AD1", "ADT^A01^ADT_A01", "2.5.1", [_EPIC_PID]),
        "AR",
        "200",
        mrn="H300123",
    ),
]
