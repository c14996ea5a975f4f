"""A first draft of the report's fields from what the pathway already holds.

Only verified, current results are copied (an unverified result must not slip into a
report), each into its ICSH field; tests not yet verified are listed as pending, which is
what the supplementary report will later answer. The clinical details, the blood count
(with units and the adult reference interval of each value; a value beyond its
critical limit is named as critical) and the procedure (site, side, whether the
aspirate came easily or was a dry tap, core length) are copied too.
The pathologist edits everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowscope.domain.cases.model import Sex
from marrowscope.domain.lab import TestState, TestType, fish_call, test_label
from marrowscope.domain.pathway.cbc import ANALYTES, analyte_info
from marrowscope.domain.pathway.critical_values import critical_value
from marrowscope.domain.pathway.indication import Indication, indication_label
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.domain.tables import load_table

__all__ = ["pending_tests", "prefill_fields"]

_TEXT_FIELD: Mapping[TestType, str] = {
    TestType.FLOW_CYTOMETRY: "flow_cytometry",
    TestType.IMMUNOHISTOCHEMISTRY: "immunohistochemistry",
    TestType.TREPHINE_HISTOLOGY: "architecture",
}
_CLOSED = frozenset({TestState.REJECTED, TestState.CANCELLED})


def _karyotype(payload: Mapping[str, Any]) -> str:
    text = str(payload.get("iscn", payload.get("text", ""))).strip()
    metaphases = payload.get("metaphases_analysed")
    abnormal = payload.get("abnormal_metaphases")
    if text and metaphases:
        count = f"{metaphases} metaphases analysed"
        if abnormal is not None:
            count += f", {abnormal} abnormal"
        text = f"{text} ({count})"
    interpretation = str(payload.get("interpretation", "") or "").strip()
    return f"{text}. {interpretation}" if text and interpretation else text


def _fish(payload: Mapping[str, Any]) -> str:
    parts = []
    for probe in payload.get("probes", []):
        scored, abnormal = probe.get("nuclei_scored"), probe.get("abnormal_nuclei")
        line = str(probe.get("probe", "probe"))
        if scored and abnormal is not None:
            percent, call = fish_call(scored, abnormal, probe.get("cutoff_percent"))
            line += f": abnormal in {abnormal}/{scored} nuclei ({float(percent):.0f} %)"
            if probe.get("cutoff_percent") is not None:
                line += f", cut-off {probe['cutoff_percent']} %: {call}"
        parts.append(line)
    text = "; ".join(parts) or str(payload.get("text", "")).strip()
    interpretation = str(payload.get("interpretation", "") or "").strip()
    return f"{text}. {interpretation}" if text and interpretation else text


def _molecular(payload: Mapping[str, Any]) -> str:
    variants = [
        " ".join(str(v[k]) for k in ("gene", "hgvs_c", "hgvs_p") if v.get(k))
        + (f" ({v['transcript']})" if v.get("transcript") else "")
        + (f", VAF {v['vaf_percent']} %" if v.get("vaf_percent") is not None else "")
        + (f", {v['classification']}" if v.get("classification") else "")
        for v in payload.get("variants", [])
    ]
    panel = str(payload.get("panel", "")).strip()
    found = "; ".join(variants) if variants else "no variant detected in the genes covered"
    return f"{panel}: {found}" if panel else found


def _culture(payload: Mapping[str, Any]) -> str:
    organism = str(payload.get("organism") or "").strip()
    days = payload.get("incubation_days")
    text = organism or (f"no growth after {days} days" if days else "no growth")
    return f"Culture: {text}"


def _mark(key: str, value: float, low: float, high: float) -> str:
    """The mark after a value: (critical low), (low), (high), (critical high) or none.

    A value beyond its telephone limit (``tables/critical_values.toml``, the same limits
    the clinician's page highlights) is printed as critical: platelets of 8 x10^9/L
    printed as merely "(low)" would read like the many mild cytopenias of this population.
    """
    critical = critical_value(key, value)
    if critical is not None:
        return " (critical low)" if critical.side == "below" else " (critical high)"
    return " (low)" if value < low else " (high)" if value > high else ""


def _blood(record: CaseRecord) -> str:
    """The newest blood count: each value with its unit and adult reference interval."""
    cbc = record.latest(RecordKind.CBC)
    if cbc is None:
        return ""
    values = cbc.payload.get("values", {})
    sex: Sex = record.patient.sex
    parts = []
    for key in ANALYTES:
        if key not in values:
            continue
        info = analyte_info(key)
        low, high = info.interval(sex)
        value = float(values[key])
        mark = _mark(key, value, low, high)
        parts.append(f"{info.name} {value:g} {info.unit}{mark} [ref. {low:g}–{high:g}]")
    when = str(cbc.payload.get("collected_at", ""))[:10]
    lead = f"Blood count of {when}: " if when else "Blood count: "
    return lead + "; ".join(parts) + "." if parts else ""


def _procedure(record: CaseRecord, fields: dict[str, str]) -> None:
    procedure = record.latest(RecordKind.PROCEDURE)
    if procedure is None:
        return
    p = procedure.payload.get("procedure", {})
    site = load_table("procedure")["sites"].get(str(p.get("site", "")), {})
    side = str(p.get("side", "") or "")
    fields["aspirate_site"] = ", ".join(
        x for x in (str(site.get("name", "")), side if side != "midline" else "") if x
    )
    if p.get("dry_tap"):
        fields["ease_of_aspiration"] = "Dry tap (no aspirate obtained)"
    elif p.get("aspirate_at"):
        fields["ease_of_aspiration"] = "Aspirate obtained"
    if p.get("core_length_mm"):
        fields["trephine_length_mm"] = f"{float(p['core_length_mm']):g}"


def pending_tests(record: CaseRecord) -> list[str]:
    """Tests not yet verified (closed ones left out), in words with their state."""
    out = []
    for test in record.tests:
        if test.state in _CLOSED or test.state is TestState.VERIFIED:
            continue
        result = record.current_result(test.id)
        if result is not None and result.verified_at is not None:
            continue
        waiting = "awaiting verification" if test.state is TestState.RESULTED else "pending"
        out.append(f"{test_label(test.test_type)} ({waiting})")
    return sorted(set(out))


def _order(record: CaseRecord, fields: dict[str, str]) -> None:
    order = record.latest(RecordKind.ORDER)
    if order is None:
        return
    fields["clinical_details"] = str(order.payload.get("clinical_details", "")).strip()
    labels = []
    for raw in order.payload.get("indications", []):
        try:
            labels.append(indication_label(Indication(str(raw))))
        except ValueError:
            labels.append(str(raw).replace("_", " "))
    fields["indication"] = ", ".join(labels)


def prefill_fields(record: CaseRecord) -> dict[str, str]:
    """Field texts from the order, the blood count, the procedure and verified results."""
    fields: dict[str, str] = {}
    _order(record, fields)
    fields["blood_findings"] = _blood(record)
    _procedure(record, fields)
    morphology: list[str] = []
    for test in record.tests:
        result = record.current_result(test.id)
        if test.state in _CLOSED or result is None or result.verified_at is None:
            continue
        payload = result.payload
        text = str(payload.get("text", "")).strip()
        if test.test_type is TestType.KARYOTYPE:
            fields["cytogenetics"] = _karyotype(payload)
        elif test.test_type is TestType.FISH:
            fields["fish"] = _fish(payload)
        elif test.test_type is TestType.MOLECULAR_PANEL:
            fields["molecular"] = _molecular(payload)
        elif test.test_type is TestType.CULTURE:
            morphology.append(_culture(payload))
        elif test.test_type in _TEXT_FIELD and text:
            fields[_TEXT_FIELD[test.test_type]] = text
        elif text:
            morphology.append(f"{test_label(test.test_type)}: {text}")
        values = payload.get("values", {})
        if test.test_type is TestType.TREPHINE_HISTOLOGY and "cellularity_percent" in values:
            fields["trephine_cellularity_percent"] = f"{float(values['cellularity_percent']):g}"
    if morphology:
        fields["comment"] = " ".join(morphology)
    pending = pending_tests(record)
    if pending:
        fields["pending_tests"] = ", ".join(pending)
    return {k: v for k, v in fields.items() if v}
