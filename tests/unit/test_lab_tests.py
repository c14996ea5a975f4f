"""Structured results: ISCN karyotypes, FISH probes, variants (gene/HGVS/VAF), culture."""

from __future__ import annotations

import pytest

from marrowscope.domain.errors import InvalidInput, InvalidMeasurement
from marrowscope.domain.lab import (
    CultureResult,
    FishResult,
    MolecularResult,
    TestType,
    check_iscn,
    parse_result,
    result_to_dict,
)


@pytest.mark.parametrize(
    "iscn",
    [
        "46,XY[20]",
        "47,XX,+8[15]/46,XX[5]",
        "46,XY,t(9;22)(q34.1;q11.2)[20]",
        "46,XY,del(5)(q31q33)[12]/46,XY[8]",
        "45,X,-Y[10]",
        "44~46,XY,-7,+mar[cp10]",
    ],
)
def test_well_formed_karyotypes_are_accepted(iscn: str) -> None:
    assert check_iscn(iscn) == iscn


@pytest.mark.parametrize(
    "iscn", ["", "46XY[20]", "46,XY", "46,XQ[20]", "5,XY[20]", "46,XY,del()[3]"]
)
def test_malformed_karyotypes_are_refused(iscn: str) -> None:
    with pytest.raises(InvalidInput, match="karyotype"):
        check_iscn(iscn)


def test_fish_reports_percent_abnormal_against_its_cutoff() -> None:
    result = parse_result(
        TestType.FISH,
        {
            "probes": [
                {"probe": "EGR1", "nuclei_scored": 200, "abnormal_nuclei": 92, "cutoff_percent": 5}
            ]
        },
    )

    assert isinstance(result, FishResult)
    assert result.probes[0].percent_abnormal == 46.0
    assert result.probes[0].above_cutoff is True


def test_fish_abnormal_cannot_exceed_scored() -> None:
    with pytest.raises(InvalidMeasurement, match="abnormal_nuclei"):
        parse_result(
            TestType.FISH, {"probes": [{"probe": "X", "nuclei_scored": 10, "abnormal_nuclei": 11}]}
        )


def test_variants_keep_gene_hgvs_and_vaf_and_round_trip() -> None:
    data = {
        "variants": [
            {"gene": "jak2", "hgvs_c": "c.1849G>T", "hgvs_p": "p.V617F", "vaf_percent": 12.5}
        ]
    }

    result = parse_result(TestType.MOLECULAR_PANEL, data)

    assert isinstance(result, MolecularResult)
    assert result.variants[0].gene == "JAK2"
    assert parse_result(TestType.MOLECULAR_PANEL, result_to_dict(result)) == result


@pytest.mark.parametrize(
    ("variant", "field"),
    [
        ({"gene": "TP53", "hgvs_c": "743G>A", "vaf_percent": 5}, "hgvs_c"),
        ({"gene": "TP53", "hgvs_c": "c.743G>A", "vaf_percent": 105}, "vaf_percent"),
        ({"gene": "tp 53", "hgvs_c": "c.743G>A", "vaf_percent": 5}, "gene"),
        ({"gene": "TP53", "hgvs_c": "c.743G>A", "hgvs_p": "R248Q", "vaf_percent": 5}, "hgvs_p"),
    ],
)
def test_bad_variants_name_the_field(variant: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        parse_result(TestType.MOLECULAR_PANEL, {"variants": [variant]})


def test_culture_names_the_organism_or_no_growth() -> None:
    grew = parse_result(
        TestType.CULTURE, {"organism": "Mycobacterium avium", "incubation_days": 42}
    )
    none = parse_result(TestType.CULTURE, {"organism": "", "incubation_days": 5})

    assert isinstance(grew, CultureResult) and grew.organism == "Mycobacterium avium"
    assert isinstance(none, CultureResult) and none.organism is None


def test_narrative_results_need_text() -> None:
    with pytest.raises(InvalidInput, match="text"):
        parse_result(TestType.SMEAR_MORPHOLOGY, {"text": "  "})


@pytest.mark.parametrize("rows", [[None], [1], "EGR1", {"probe": "EGR1"}, [["EGR1"]]])
@pytest.mark.parametrize(
    ("test", "key"), [(TestType.FISH, "probes"), (TestType.MOLECULAR_PANEL, "variants")]
)
def test_rows_that_are_not_objects_are_refused_by_name(
    test: TestType, key: str, rows: object
) -> None:
    """A JSON client (the issue 18 API) may send any shape: a 422 naming the field, no crash."""
    with pytest.raises(InvalidInput, match=f"^{key}: a list of rows"):
        parse_result(test, {key: rows})
