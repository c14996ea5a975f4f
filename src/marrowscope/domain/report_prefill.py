"""A first draft of the report's fields from what the pathway already holds.

Only verified, current results are copied (an unverified result must not slip into a
report), each into its ICSH field; tests not yet verified are listed as pending, which is
what the supplementary report will later answer. The pathologist edits everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowscope.domain.pathway import CaseRecord, RecordKind
from marrowscope.domain.specimen import TestState, TestType

__all__ = ["prefill_fields"]

_TEXT_FIELD: Mapping[TestType, str] = {
    TestType.FLOW_CYTOMETRY: "flow_cytometry",
    TestType.IMMUNOHISTOCHEMISTRY: "immunohistochemistry",
    TestType.TREPHINE_HISTOLOGY: "architecture",
}
_CLOSED = frozenset({TestState.REJECTED, TestState.CANCELLED})


def _karyotype(payload: Mapping[str, Any]) -> str:
    text = str(payload.get("iscn", payload.get("text", ""))).strip()
    metaphases = payload.get("metaphases_analysed")
    return f"{text} ({metaphases} metaphases analysed)" if text and metaphases else text


def _fish(payload: Mapping[str, Any]) -> str:
    parts = []
    for probe in payload.get("probes", []):
        scored, abnormal = probe.get("nuclei_scored"), probe.get("abnormal_nuclei")
        line = str(probe.get("probe", "probe"))
        if scored and abnormal is not None:
            line += f": abnormal in {abnormal}/{scored} nuclei ({100 * abnormal / scored:.0f} %)"
        if probe.get("cutoff_percent") is not None:
            line += f", cut-off {probe['cutoff_percent']} %"
        parts.append(line)
    return "; ".join(parts) or str(payload.get("text", "")).strip()


def _molecular(payload: Mapping[str, Any]) -> str:
    variants = [
        " ".join(str(v[k]) for k in ("gene", "hgvs_c", "hgvs_p") if v.get(k))
        + (f", VAF {v['vaf_percent']} %" if v.get("vaf_percent") is not None else "")
        + (f", {v['classification']}" if v.get("classification") else "")
        for v in payload.get("variants", [])
    ]
    panel = str(payload.get("panel", "")).strip()
    found = "; ".join(variants) if variants else "no variant reported"
    return f"{panel}: {found}" if panel else found


def prefill_fields(record: CaseRecord) -> dict[str, str]:
    """Field texts from the order, the verified results and the tests still open."""
    fields: dict[str, str] = {}
    order = record.latest(RecordKind.ORDER)
    if order is not None:
        fields["clinical_details"] = str(order.payload.get("clinical_details", "")).strip()
        indications = order.payload.get("indications", [])
        fields["indication"] = ", ".join(str(i).replace("_", " ") for i in indications)
    morphology: list[str] = []
    pending: list[str] = []
    for test in record.tests:
        if test.state in _CLOSED:
            continue
        result = record.current_result(test.id)
        if result is None or result.verified_at is None:
            pending.append(test.test_type.value.replace("_", " "))
            continue
        payload = result.payload
        text = str(payload.get("text", "")).strip()
        if test.test_type is TestType.KARYOTYPE:
            fields["cytogenetics"] = _karyotype(payload)
        elif test.test_type is TestType.FISH:
            fields["fish"] = _fish(payload)
        elif test.test_type is TestType.MOLECULAR_PANEL:
            fields["molecular"] = _molecular(payload)
        elif test.test_type in _TEXT_FIELD and text:
            fields[_TEXT_FIELD[test.test_type]] = text
        elif text:
            morphology.append(text)
        values = payload.get("values", {})
        if test.test_type is TestType.TREPHINE_HISTOLOGY and "cellularity_percent" in values:
            fields["trephine_cellularity_percent"] = f"{float(values['cellularity_percent']):g}"
    if morphology:
        fields["comment"] = " ".join(morphology)
    if pending:
        fields["pending_tests"] = ", ".join(sorted(set(pending)))
    return {k: v for k, v in fields.items() if v}
