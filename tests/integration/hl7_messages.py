"""Realistic incoming ORU^R01 blood counts, each with the ACK and the values it must give.

Written the way analysers and laboratory systems send them: Sysmex XN middleware
(local code first, LOINC as the alternate identifier, OBX-14 per channel, v2.3.1),
Beckman Coulter DxH (``x10E3/uL``, escaped carets), LIS feeds (v2.5.1, ``K/uL``, NTE and
Z-segments, MLLP framing, Latin-1), plus the unsafe ones that must be refused. The demo
patient is DEMO-0001, Demo^Daniel, born 1959-03-14, male (``services.walkthrough``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

__all__ = ["CASES", "Case", "oru"]

_PID = "PID|1||DEMO-0001^^^HOSP^MR||Demo^Daniel||19590314|M"
_OBR7 = "20260302064500+0000"
_AT = datetime(2026, 3, 2, 6, 45, tzinfo=UTC)


def oru(
    n: int,
    obx: list[str],
    *,
    version: str = "2.5.1",
    pid: str = _PID,
    obr7: str = _OBR7,
    obr25: str = "F",
    before_obr: tuple[str, ...] = (),
    after: tuple[str, ...] = (),
    charset: str = "",
    sender: str = "LIS|LAB",
    kind: str = "ORU^R01^ORU_R01",
) -> str:
    """One message: MSH, PID, extra segments, OBR (order L<n>), OBX..., trailing ones."""
    msh = f"MSH|^~\\&|{sender}|MARROWSCOPE|HAEM|20260302070000||{kind}|M{n}|P|{version}" + (
        f"||||||{charset}" if charset else ""
    )
    obr = f"OBR|1|P{n}|L{n}|58410-2^CBC panel - Blood by Automated count^LN|||{obr7}"
    obr += "|" * 18 + obr25 if obr25 else ""
    return "\r".join([msh, pid, *before_obr, obr, *obx, *after]) + "\r"


def _nm(i: int, loinc: str, name: str, value: str, unit: str, status: str = "F") -> str:
    return f"OBX|{i}|NM|{loinc}^{name}^LN||{value}|{unit}|||||{status}"


HB = _nm(1, "718-7", "Hemoglobin", "8.8", "g/dL")
PLT = _nm(2, "777-3", "Platelets", "51", "10*9/L")


@dataclass(frozen=True)
class Case:
    """One message, its expected MSA-1 (and ERR-3 code when refused) and stored values."""

    id: str
    message: str | bytes
    ack: str  # AA, AE, AR
    values: dict[str, float] | None = None  # canonical units, when filed
    code: str = ""  # ERR-3 code when refused
    status: str = "final"
    comparators: dict[str, str] = field(default_factory=dict)
    collected_at: datetime = _AT
    rules: dict[str, Any] = field(default_factory=dict)


_BASE = {"hb": 88.0, "platelets": 51.0}
_SYSMEX = [
    "OBX|1|NM|WBC^WBC^99SYS^6690-2^Leukocytes^LN||7.20|10*3/uL|3.5-10.0|N|||F|||20260302064512",
    "OBX|2|NM|RBC^RBC^99SYS^789-8^Erythrocytes^LN||3.10|10*6/uL|4.5-5.5|L|||F|||20260302064513",
    "OBX|3|NM|HGB^HGB^99SYS^718-7^Hemoglobin^LN||8.8|g/dL|13-17|L|||F|||20260302064514",
    "OBX|4|NM|PLT^PLT^99SYS^777-3^Platelets^LN||51|10*3/uL|150-410|L|||F|||20260302064519",
]
_SYSMEX_VALUES = {"wbc": 7.2, "rbc": 3.1, "hb": 88.0, "platelets": 51.0}
_LATIN1 = oru(25, [HB, PLT], pid="PID|1||DEMO-0001^^^HOSP^MR||Démo^Daniel||19590314|M",
              charset="8859/1", after=("NTE|1||Frühprobe µ",)).encode("latin-1")  # fmt: skip
_BAD_UTF8 = oru(44, [HB, PLT], after=("NTE|1||Fr\u00fchprobe",)).encode("latin-1")


def _unit(n: int, key: str, loinc: str, value: str, unit: str, want: float) -> Case:
    other, values = (PLT, {"platelets": 51.0}) if key == "hb" else (HB, {"hb": 88.0})
    obx = [other, f"OBX|2|NM|{loinc}^x^LN||{value}|{unit}|||||F"]
    return Case(f"unit-{unit}", oru(n, obx), "AA", {**values, key: want})


CASES: list[Case] = [
    # accepted, as sent by real senders
    Case("lis-2.5.1-ucum", oru(1, [HB, PLT]), "AA", _BASE),
    Case(
        "sysmex-2.3.1-loinc-alternate",
        oru(2, _SYSMEX, version="2.3.1", obr7="", obr25=""),
        "AA",
        _SYSMEX_VALUES,
        collected_at=_AT + timedelta(seconds=12),
    ),  # fmt: skip
    Case("version-2.5", oru(3, [HB, PLT], version="2.5"), "AA", _BASE),
    Case("newline-terminators", oru(4, [HB, PLT]).replace("\r", "\n"), "AA", _BASE),
    Case("crlf-terminators", oru(5, [HB, PLT]).replace("\r", "\r\n"), "AA", _BASE),
    Case("mllp-framing", "\x0b" + oru(6, [HB, PLT]) + "\x1c\r", "AA", _BASE),
    Case("z-segment-after-msh", oru(7, [HB, PLT], before_obr=("ZPI|1|ward 7",)), "AA", _BASE),
    Case("z-segment-between-obx", oru(8, [HB, "ZBX|1|flag", PLT]), "AA", _BASE),
    Case("z-segment-at-end", oru(9, [HB, PLT], after=("ZEN|x",)), "AA", _BASE),
    Case(
        "nte-pv1-orc",
        oru(10, [HB, "NTE|1||haemolysed?", PLT], before_obr=("PV1|1|I|HAEM^7^1", "ORC|RE|P10|L10")),
        "AA",
        _BASE,
    ),  # fmt: skip
    Case(
        "loinc-system-named-LOINC",
        oru(11, [HB, "OBX|2|NM|777-3^Platelets^LOINC||51|10*9/L|||||F"]),
        "AA",
        _BASE,
    ),
    _unit(12, "platelets", "777-3", "51", "10*3/uL", 51.0),
    _unit(13, "platelets", "777-3", "51", "K/uL", 51.0),
    _unit(14, "platelets", "777-3", "51", "x10E9/L", 51.0),
    _unit(15, "platelets", "777-3", "51", "x10\\S\\9/L", 51.0),
    _unit(16, "wbc", "6690-2", "3.4", "10*9/l", 3.4),
    _unit(17, "rbc", "789-8", "3.1", "10*6/uL", 3.1),
    _unit(18, "wbc", "6690-2", "3.4", "x10E3/uL", 3.4),
    _unit(19, "hb", "718-7", "88", "g/L", 88.0),
    Case("no-zone-lab-utc", oru(20, [HB, PLT], obr7="202603020645"), "AA", _BASE),
    Case(
        "no-zone-lab-berlin",
        oru(21, [HB, PLT], obr7="20260302074500"),
        "AA",
        _BASE,
        rules={"timezone": "Europe/Berlin"},
        collected_at=datetime(2026, 3, 2, 7, 45, tzinfo=timezone(timedelta(hours=1))),
    ),
    Case(
        "obx-14-seconds-apart",
        oru(22, [HB + "|||20260302064501+0000", PLT + "|||20260302064559+0000"], obr7=""),
        "AA",
        _BASE,
        collected_at=_AT + timedelta(seconds=1),
    ),  # fmt: skip
    Case(
        "sn-below-detection",
        oru(23, [HB, PLT, "OBX|3|SN|26446-5^Blasts/100 leukocytes in Blood^LN||<^0.01|%|||||F"]),
        "AA",
        {**_BASE, "blasts_percent": 0.01},
        comparators={"blasts_percent": "<"},
    ),  # fmt: skip
    Case(
        "blasts-709-6",
        oru(24, [HB, _nm(2, "709-6", "Blasts Manual", "2", "%")]),
        "AA",
        {"hb": 88.0, "blasts_percent": 2.0},
    ),
    Case("latin-1-msh-18", _LATIN1, "AA", _BASE),
    Case(
        "pid-3-mr-among-others",
        oru(
            26,
            [HB, PLT],
            pid="PID|1||123-45-6789^^^SSA^SS~DEMO-0001^^^HOSP^MR||Demo^Daniel||19590314|M",
        ),
        "AA",
        _BASE,
    ),  # fmt: skip
    Case(
        "pid-3-configured-authority",
        oru(
            27,
            [HB, PLT],
            pid="PID|1||X99^^^OTHER^MR~DEMO-0001^^^HOSP&1.2.3&ISO^MR||Demo^Daniel||19590314|M",
        ),
        "AA",
        _BASE,
        rules={"assigning_authority": "HOSP"},
    ),  # fmt: skip
    Case(
        "obx-not-done-skipped",
        oru(28, [HB, PLT, _nm(3, "6690-2", "WBC", "", "10*9/L", "X")]),
        "AA",
        _BASE,
    ),  # fmt: skip
    Case(
        "unknown-analytes-left-aside",
        oru(29, [HB, PLT, _nm(3, "785-6", "MCH", "29", "pg")]),
        "AA",
        _BASE,
    ),  # fmt: skip
    Case(
        "preliminary",
        oru(30, [_nm(1, "718-7", "Hb", "8.8", "g/dL", "P"), PLT], obr25="P"),
        "AA",
        _BASE,
        status="preliminary",
    ),  # fmt: skip
    Case(
        "names-in-capitals-middle-name",
        oru(31, [HB, PLT], pid="PID|1||DEMO-0001^^^HOSP^MR||DEMO^DANIEL^J||19590314|M"),
        "AA",
        _BASE,
    ),  # fmt: skip
    Case(
        "nm-with-inline-comparator",
        oru(32, [HB, PLT, _nm(3, "709-6", "Blasts", "<1", "%")]),
        "AA",
        {**_BASE, "blasts_percent": 1.0},
        comparators={"blasts_percent": "<"},
    ),  # fmt: skip
    # refused: the wrong patient, or nothing safe to file
    Case(
        "family-name-differs",
        oru(33, [HB, PLT], pid="PID|1||DEMO-0001^^^HOSP^MR||Smith^Daniel||19590314|M"),
        "AE",
        code="204",
    ),  # fmt: skip
    Case(
        "birth-date-differs",
        oru(34, [HB, PLT], pid="PID|1||DEMO-0001^^^HOSP^MR||Demo^Daniel||19600314|M"),
        "AE",
        code="204",
    ),  # fmt: skip
    Case(
        "sex-differs",
        oru(35, [HB, PLT], pid="PID|1||DEMO-0001^^^HOSP^MR||Demo^Daniel||19590314|F"),
        "AE",
        code="204",
    ),  # fmt: skip
    Case(
        "unknown-mrn",
        oru(36, [HB, PLT], pid="PID|1||NOBODY^^^HOSP^MR||Demo^Daniel"),
        "AE",
        code="204",
    ),  # fmt: skip
    Case(
        "no-mr-of-the-authority",
        oru(37, [HB, PLT], pid="PID|1||DEMO-0001^^^OTHER^MR||Demo^Daniel||19590314|M"),
        "AE",
        code="204",
        rules={"assigning_authority": "HOSP"},
    ),  # fmt: skip
    Case(
        "two-different-mrs",
        oru(38, [HB, PLT], pid="PID|1||DEMO-0001^^^HOSP^MR~DEMO-0002^^^HOSP^MR||Demo^Daniel"),
        "AE",
        code="204",
    ),  # fmt: skip
    Case("version-2.6", oru(39, [HB, PLT], version="2.6"), "AR", code="203"),
    Case("adt-not-oru", oru(40, [HB, PLT], kind="ADT^A01^ADT_A01"), "AR", code="200"),
    Case(
        "letter-for-digit", oru(41, [HB, _nm(2, "777-3", "Plt", "5I", "10*9/L")]), "AE", code="102"
    ),  # fmt: skip
    Case(
        "impossible-value",
        oru(42, [HB, _nm(2, "777-3", "Plt", "9000", "10*9/L")]),
        "AE",
        code="102",
    ),  # fmt: skip
    Case(
        "sn-range", oru(43, [HB, "OBX|2|SN|777-3^Plt^LN||^10^-^20|10*9/L|||||F"]), "AE", code="102"
    ),  # fmt: skip
    Case("undecodable-utf-8", _BAD_UTF8, "AR", code="102"),
    Case("unknown-charset", oru(45, [HB, PLT], charset="KOI8-R").encode(), "AR", code="103"),
    Case(
        "two-draws",
        oru(46, [HB + "|||20260302064500+0000", PLT + "|||20260302114500+0000"], obr7=""),
        "AE",
        code="100",
    ),  # fmt: skip
    Case("obx-before-obr", oru(47, []).replace("OBR|", HB + "\rOBR|"), "AE", code="100"),
    Case("no-pid", oru(48, [HB, PLT], pid="NK1|1|Demo^Anna"), "AE", code="101"),
    Case("garbage", "this is not HL7", "AR", code="100"),
    Case(
        "oversized", oru(49, [HB, PLT], after=("NTE|1||" + "x" * 1_100_000,)), "AR", code="100"
    ),  # fmt: skip
    Case("no-control-id", oru(50, [HB, PLT]).replace("|M50|", "||"), "AR", code="101"),
    Case("wrong-unit", oru(51, [HB, _nm(2, "777-3", "Plt", "51", "mmol/L")]), "AE", code="102"),
]
