"""The FHIR R4 Bundle of a case: valid against the models, LOINC only where checked,
and read back to the same differential."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.differential import compute_differential
from marrowscope.domain.pathway.cbc import ANALYTES, analyte_info
from marrowscope.domain.tables import load_table
from marrowscope.interop.codes import system
from marrowscope.interop.fhir import case_bundle, differential_from_fhir
from tests.unit.interop_support import case_export


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_validates_against_the_r4_models() -> None:
    bundle = case_bundle(case_export())

    parsed = Bundle.model_validate(bundle)

    assert parsed.type == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "Observation", "DiagnosticReport"} <= kinds


def test_one_observation_per_differential_class_listed_by_the_panel() -> None:
    export = case_export()
    bundle = case_bundle(export)
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}

    panel = next(
        o for o in _resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "47286-0"
    )

    members = [urls[ref["reference"]] for ref in panel["hasMember"]]
    percents = [m for m in members if m["valueQuantity"]["code"] == "%"]
    assert export.differential is not None
    assert len(percents) == len(export.differential.rows)
    codes = {c["code"] for m in members for c in m["code"]["coding"]}
    assert {"11138-5", "38257-2"} <= codes


def test_loinc_codes_come_only_from_the_cited_tables() -> None:
    """A LOINC code not in loinc.toml or cbc_reference.toml would be an invented one."""
    table = load_table("loinc")
    known = {row["code"] for row in table["panel"].values()}
    known |= {row["code"] for row in table["cells"].values()}
    known |= {analyte_info(k).loinc for k in ANALYTES}
    bundle = case_bundle(case_export())

    used = {
        c["code"]
        for o in _resources(bundle, "Observation")
        for c in o["code"]["coding"]
        if c["system"] == system("loinc")
    }

    assert used <= known
    assert "47286-0" in used


def test_the_differential_reads_back_as_it_was_exported() -> None:
    export = case_export()
    assert export.differential is not None

    back = differential_from_fhir(case_bundle(export))

    assert back.percent == {r.code: round(r.percent, 2) for r in export.differential.rows}
    assert back.cells_counted == export.differential.nucleated_cells
    assert export.differential.me.ratio is not None
    assert back.me_ratio == round(export.differential.me.ratio, 2)


def test_the_pdf_is_attached_to_the_report_byte_for_byte() -> None:
    pdf = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF\n"

    report = _resources(case_bundle(case_export(pdf=pdf)), "DiagnosticReport")[0]

    form = report["presentedForm"][0]
    assert form["contentType"] == "application/pdf"
    assert base64.b64decode(form["data"]) == pdf


def test_without_a_count_the_report_carries_the_conclusion_only() -> None:
    bundle = case_bundle(case_export(with_differential=False))

    report = _resources(bundle, "DiagnosticReport")[0]

    assert report["conclusion"].startswith("Appearances consistent with")
    assert "result" not in report and "presentedForm" not in report
    assert report["status"] == "preliminary"


def test_the_same_case_exports_with_the_same_resource_ids() -> None:
    first = case_bundle(case_export())
    second = case_bundle(case_export())

    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["BLA", "PMO", "MYB", "NGS", "EBO", "LYT", "MON", "PLM", "BAS", "MAS"]),
        st.integers(min_value=0, max_value=400),
        min_size=1,
    ).filter(lambda d: sum(d.values()) > 0)
)
def test_any_count_reads_back_to_its_exported_percentages(counts: dict[str, int]) -> None:
    """Whatever was counted, the percentages read back are those sent (two decimals),
    and they add up to 100 within the rounding of each row."""
    differential = compute_differential(CellCounts.of(counts))
    export = replace(case_export(), differential=differential)

    back = differential_from_fhir(case_bundle(export))

    assert back.percent == {r.code: round(r.percent, 2) for r in differential.rows}
    assert abs(sum(back.percent.values()) - 100) <= 0.005 * len(differential.rows)


def test_rows_with_an_adult_range_carry_it_and_an_h_or_l_interpretation() -> None:
    """Demo blasts 8 % against the table's 0.2-1.5 % (reference_ranges.toml, WINTROBE1999)."""
    bundle = case_bundle(case_export())
    by_code = {c["code"]: o for o in _resources(bundle, "Observation") for c in o["code"]["coding"]}

    blasts, lymphoblasts = by_code["BLA"], by_code["LBL"]

    assert blasts["referenceRange"][0]["low"]["value"] == 0.2
    assert blasts["referenceRange"][0]["high"]["value"] == 1.5
    assert blasts["interpretation"][0]["coding"][0]["code"] == "H"
    assert "referenceRange" not in lymphoblasts  # no range of its own in the table
    assert "referenceRange" in by_code["11138-5"]


def test_an_amended_report_is_amended_issued_at_its_sign_out_and_names_the_pathologist() -> None:
    """issued and presentedForm.creation are the sign-out time of the version sent, not
    the export time; the signer is a Practitioner of the Bundle (issue 14)."""
    import dataclasses
    from datetime import UTC, datetime

    from marrowscope.interop.fhir import case_bundle as bundle_of

    signed = datetime(2026, 3, 5, 16, 20, tzinfo=UTC)
    export = dataclasses.replace(
        case_export(pdf=b"%PDF-1.4 tiny"),
        final=True,
        kind="amendment",
        signed_at=signed,
        signed_by="pat.hologist",
    )

    bundle = bundle_of(export)

    by_type = {e["resource"]["resourceType"]: e for e in bundle["entry"]}
    report = by_type["DiagnosticReport"]["resource"]
    assert report["status"] == "amended"
    assert report["issued"] == signed.isoformat()
    assert report["presentedForm"][0]["creation"] == signed.isoformat()
    assert report["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "33721-2",
        "display": "Bone marrow Pathology biopsy report",
    }
    practitioner = by_type["Practitioner"]
    assert report["resultsInterpreter"] == [{"reference": practitioner["fullUrl"]}]
    assert practitioner["resource"]["identifier"][0]["value"] == "pat.hologist"
