"""HL7 v2.5.1: the report out as ORU^R01 (read back by hl7apy), the CBC in, and ACKs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from marrowscope.domain.errors import InvalidMessage
from marrowscope.interop.hl7v2 import ack, escape, oru_report, read_cbc_oru
from tests.unit.interop_support import case_export

CBC = "\r".join(
    [
        "MSH|^~\\&|LIS|LAB|MARROWSCOPE|HAEM|20260301080000+0000||ORU^R01^ORU_R01|MSG0001|P|2.5.1",
        "PID|1||MRN-7^^^HOSP^MR||Demo^Daniel||19590314|M",
        "OBR|1||LAB123|58410-2^CBC panel^LN|||20260301074500+0100",
        "OBX|1|NM|718-7^Hemoglobin^LN||9.2|g/dL^g/dL^UCUM|||||F",
        "OBX|2|NM|777-3^Platelets^LN||64|10*9/L^10*9/L^UCUM|||||F",
        "OBX|3|NM|11108-8^Lymphocytes BM^LN||16|%^%^UCUM|||||F",
    ]
)


def _parse(text: str) -> object:
    message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    message.validate()
    return message


def _segments(text: str, name: str) -> list[list[str]]:
    return [s.split("|") for s in text.split("\r") if s.startswith(name + "|")]


def test_the_report_parses_back_with_hl7apy_strict_validation() -> None:
    text = oru_report(case_export(), control_id="C1")

    message = _parse(text)

    assert message.name == "ORU_R01"  # type: ignore[attr-defined]
    assert _segments(text, "MSH")[0][11] == "2.5.1"


def test_each_differential_value_is_an_obx_with_a_sub_id() -> None:
    export = case_export()
    assert export.differential is not None

    obx = _segments(oru_report(export, control_id="C1"), "OBX")

    percent = [s for s in obx if s[6].startswith("%^")]
    assert len(percent) == len(export.differential.rows)
    sub_ids = [s[4] for s in obx]
    # unique as text and as numbers: 1.1 and 1.10 would be the same number
    assert len(set(sub_ids)) == len({float(i) for i in sub_ids}) == len(obx)
    blasts = next(s for s in percent if s[3].startswith("BLA^"))
    assert float(blasts[5]) == round(
        export.differential.percent(export.differential.rows[0].code), 2
    )
    assert any(s[3].startswith("11138-5^") for s in obx)
    assert any(s[3].startswith("38257-2^") and s[5] == "500" for s in obx)


def test_delimiters_in_names_and_text_are_escaped() -> None:
    export = case_export(family_name="O|Brien^&~", conclusion="A | B ^ C & D ~ E \\ F")

    text = oru_report(export, control_id="C1")

    assert _segments(text, "PID")[0][5].startswith("O\\F\\Brien\\S\\\\T\\\\R\\")
    assert len(_segments(text, "PID")[0]) == 9  # no field split by the name
    assert escape("a|b") == "a\\F\\b"


def test_a_long_conclusion_full_of_delimiters_is_cut_after_escaping_and_loses_nothing() -> None:
    """Escaping lengthens text: lines cut before escaping overran hl7apy's 199 characters."""
    words = ["a|b^c&d~e\\f"] * 60 + ["|" * 120]
    export = case_export(conclusion=" ".join(words))

    text = oru_report(export, control_id="C1")

    [tx] = [s for s in _segments(text, "OBX") if s[2] == "TX" and "conclusion" in s[3]]
    lines = tx[5].split("~")
    assert len(lines) > 2 and max(len(line) for line in lines) <= 190
    unescaped = (
        "".join(lines)
        .replace(" ", "")
        .replace("\\F\\", "|")
        .replace("\\S\\", "^")
        .replace("\\T\\", "&")
        .replace("\\R\\", "~")
        .replace("\\E\\", "\\")
    )
    assert unescaped == "".join(words)


def test_a_pdf_travels_as_base64_in_an_ed_observation() -> None:
    text = oru_report(case_export(pdf=b"%PDF-1.4 tiny"), control_id="C1")

    ed = [s for s in _segments(text, "OBX") if s[2] == "ED"]

    assert ed and ed[0][5].split("^")[3] == "Base64"


def test_a_cbc_message_maps_obx_by_loinc_and_keeps_the_time_zone() -> None:
    cbc = read_cbc_oru(CBC)

    assert cbc.patient_mrn == "MRN-7" and cbc.message_id == "MSG0001"
    assert cbc.measurements == {"hb": (9.2, "g/dL"), "platelets": (64.0, "x10^9/L")}
    assert cbc.collected_at == datetime(2026, 3, 1, 7, 45, tzinfo=timezone(timedelta(hours=1)))
    assert cbc.collected_at == datetime(2026, 3, 1, 6, 45, tzinfo=UTC)


def test_newlines_instead_of_carriage_returns_are_accepted() -> None:
    assert read_cbc_oru(CBC.replace("\r", "\n")).measurements["hb"] == (9.2, "g/dL")


@pytest.mark.parametrize(
    ("text", "says", "reject"),
    [
        ("hello", "start with an MSH", True),
        (CBC.replace("|2.5.1", "|2.3"), "version 2.3", True),
        (CBC.replace("|2.5.1", "|2.6"), "version 2.6", True),
        (CBC.replace("ORU^R01^ORU_R01", "ADT^A01^ADT_A01"), "ADT", True),
        (CBC.replace("||9.2|", "||9,2|"), "not a number", False),
        (CBC.replace("074500+0100", ""), "to the minute", False),
        (CBC.replace("|NM|718-7", "|ST|718-7"), "NM or SN", False),
        (CBC.replace("MRN-7^^^HOSP^MR", ""), "PID-3: no patient identifier", False),
        (CBC.replace("MRN-7^^^HOSP^MR", "MRN-7^^^HOSP^MR~MRN-8^^^HOSP^MR"), "more than one", False),
        (CBC.replace("718-7^Hemoglobin", "777-3^Platelets"), "twice", False),
        (CBC.replace("PID|1||", "PIX|1||"), "PID segment is missing", False),
    ],
)
def test_malformed_messages_are_refused(text: str, says: str, reject: bool) -> None:
    with pytest.raises(InvalidMessage, match=says) as refused:
        read_cbc_oru(text)

    assert refused.value.reject is reject


def test_ack_aa_names_the_original_message() -> None:
    text = ack(CBC, control_id="A1", at=datetime(2026, 3, 1, 8, tzinfo=UTC))

    _parse(text)
    assert _segments(text, "MSA")[0][:3] == ["MSA", "AA", "MSG0001"]
    assert _segments(text, "MSH")[0][4:6] == ["LIS", "LAB"]  # back to the sender


def test_ack_ae_carries_the_error_in_msa_and_err() -> None:
    error = InvalidMessage("OBX 1 (hb, 718-7): OBX-5 '9,2' is not a number", code="102")

    text = ack(CBC, control_id="A2", error=error)

    _parse(text)
    msa = _segments(text, "MSA")[0]
    err = _segments(text, "ERR")[0]
    assert msa[1] == "AE" and "not a number" in msa[3]
    assert err[3].startswith("102^") and err[4] == "E" and "not a number" in err[8]


def test_ack_ar_for_a_message_that_is_not_hl7() -> None:
    text = ack("not a message", control_id="A3", error=InvalidMessage("no MSH", reject=True))

    _parse(text)
    assert _segments(text, "MSA")[0][1] == "AR"


def _local_code(obx: Any) -> str:
    """The marrowscope code of an OBX: OBX-3.1 when local, else the alternate OBX-3.4."""
    code = obx.obx_3
    return str(code.obx_3_1.to_er7() if code.obx_3_3.to_er7() == "L" else code.obx_3_4.to_er7())


def test_hl7apy_reads_every_differential_value_back() -> None:
    export = case_export()
    assert export.differential is not None
    message = _parse(oru_report(export, control_id="C1"))

    order = message.ORU_R01_PATIENT_RESULT.ORU_R01_ORDER_OBSERVATION  # type: ignore[attr-defined]
    read = {
        _local_code(obx): float(obx.obx_5.to_er7())
        for obx in (o.OBX for o in order.ORU_R01_OBSERVATION)
        if obx.obx_6.to_er7().startswith("%")
    }

    assert read == {r.code.value: round(r.percent, 2) for r in export.differential.rows}
    assert order.OBR.obr_4.obr_4_1.to_er7() == "47286-0"


def test_obx_7_and_8_carry_the_adult_range_and_its_flag() -> None:
    obx = _segments(oru_report(case_export(), control_id="C1"), "OBX")

    blasts = next(s for s in obx if s[3].startswith("BLA^"))
    lymphoblasts = next(s for s in obx if s[3].startswith("LBL^"))

    assert blasts[7:9] == ["0.2-1.5", "H"]
    assert lymphoblasts[7:9] == ["", ""] or len(lymphoblasts) <= 8


def test_a_garbled_header_and_a_long_reason_still_get_a_valid_ack() -> None:
    """The ACK must never fail: over-long echoed fields are dropped, the reason is cut
    to MSA-3's 80 and ERR-8's 250 characters after escaping."""
    garbled = CBC.replace("|HAEM|", "|" + "H" * 300 + "|")
    reason = InvalidMessage("x^y|" * 200)

    text = ack(garbled, control_id="A4", error=reason)

    _parse(text)
    assert len(_segments(text, "MSA")[0][3]) <= 80
    assert len(_segments(text, "ERR")[0][8]) <= 250
