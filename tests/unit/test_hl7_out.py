"""The ORU^R01 out, read by a second library (python-hl7) and by our own reader: CR
terminators, C for an amended report, facility, ordering provider, interpreter, SPM."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import hl7
import pytest

from marrowscope.interop.codes import CaseExport
from marrowscope.interop.hl7v2 import oru_report
from marrowscope.interop.hl7v2.er7_reader import read_er7
from tests.unit.interop_support import case_export

SIGNED = datetime(2026, 3, 5, 16, 20, tzinfo=UTC)


def _exports() -> list[CaseExport]:
    plain = case_export()
    return [
        plain,
        case_export(pdf=b"%PDF-1.4 tiny"),
        case_export(with_differential=False),
        dataclasses.replace(plain, final=True, signed_at=SIGNED, signed_by="pat.hologist"),
        dataclasses.replace(
            plain, final=True, kind="amendment", signed_at=SIGNED, signed_by="pat.hologist"
        ),
    ]


@pytest.mark.parametrize("export", _exports())
def test_python_hl7_reads_every_exported_message_like_our_reader(export: CaseExport) -> None:
    text = oru_report(export, control_id="C1", facility="HAEM-LAB")

    theirs = hl7.parse(text)
    ours = read_er7(text)

    assert text.endswith("\r") and "\n" not in text
    assert len(theirs) == len(ours.segments) == text.count("\r")
    assert [str(s[0]) for s in theirs] == [s.name for s in ours.segments]
    assert str(theirs.segment("MSH")[4]) == "HAEM-LAB"  # MSH-4 sending facility


def test_an_amended_report_goes_out_corrected_with_its_sign_out_time_and_pathologist() -> None:
    export = _exports()[-1]

    message = hl7.parse(oru_report(export, control_id="C1"))

    obr = message.segment("OBR")
    assert str(obr[25]) == "C"
    assert str(obr[22]) == "20260305162000+0000"  # sign-out, not export time
    assert str(obr[32]).split("&")[1] == "pat.hologist"  # OBR-32 CNN.2: the signer's name
    assert {str(s[11]) for s in message.segments("OBX")} == {"C"}


def test_a_final_report_is_f_and_a_draft_p() -> None:
    final, draft = _exports()[3], _exports()[0]

    assert str(hl7.parse(oru_report(final, control_id="C")).segment("OBR")[25]) == "F"
    assert str(hl7.parse(oru_report(draft, control_id="C")).segment("OBR")[25]) == "P"


def test_obx_sub_ids_cannot_be_confused() -> None:
    message = hl7.parse(oru_report(case_export(), control_id="C1"))

    sub_ids = [str(s[4]) for s in message.segments("OBX")]

    assert len(set(sub_ids)) == len({float(i) for i in sub_ids}) == len(sub_ids)
