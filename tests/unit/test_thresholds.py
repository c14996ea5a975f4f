"""Every threshold rule at, just below and just above each of its boundaries.

Counts are made of 1000 nucleated cells, so one cell is 0.1 %: "just below 5 %" is 4.9 %,
"just above" 5.1 %. Cells not under test are "other cells" (OTH), which belong to no
quantity. Sources of each boundary are in ``tables/thresholds.toml`` (WHO 2022: Khoury
2022; ICC 2022: Arber 2022; IMWG: Rajkumar 2014; ICOG-EO: Valent 2012; NCI-WG: Cheson 1996).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from marrowscope.domain.counting.counts import CellCounts
from marrowscope.domain.counting.thresholds import (
    Findings,
    FlagStatus,
    evaluate_thresholds,
    threshold_rules,
)
from marrowscope.domain.errors import InvalidMeasurement

TOTAL = 1000


@dataclass(frozen=True)
class Case:
    rule: str
    counts: dict[str, int]
    findings: Findings = field(default_factory=Findings)
    expected: bool = True

    def label(self) -> str:
        shown = ",".join(f"{code}{n}" for code, n in self.counts.items())
        return f"{self.rule}[{shown}|{self.findings}]->{self.expected}"


_EXPECT = {
    "ge": (False, True, True),
    "gt": (False, False, True),
    "lt": (True, False, False),
    "le": (True, True, False),
}


def edge(
    rule: str,
    code: str,
    at: int,
    op: str,
    base: dict[str, int] | None = None,
    findings: Findings | None = None,
    compensate: str | None = None,
) -> list[Case]:
    """Three cases: `code` at `at`-1, `at`, `at`+1 cells of 1000 (0.1 % steps)."""
    cases = []
    for delta, expected in zip((-1, 0, 1), _EXPECT[op], strict=True):
        counts = dict(base or {})
        counts[code] = at + delta
        if compensate:
            counts[compensate] = (base or {})[compensate] - delta
        cases.append(Case(rule, counts, findings or Findings(), expected))
    return cases


def present(rule: str, code: str, base: dict[str, int] | None = None) -> list[Case]:
    """Rules on a class being seen at all: 0 cells no, 1 cell yes."""
    return [
        Case(rule, {**(base or {}), code: 0}, expected=False),
        Case(rule, {**(base or {}), code: 1}, expected=True),
    ]


def ring(rule: str, base: dict[str, int], sf3b1: bool | None) -> list[Case]:
    """Ring sideroblasts just below, at and just above 15 % of erythroid precursors."""
    return [
        Case(rule, base, Findings(ring_sideroblasts=value, sf3b1_mutated=sf3b1), expected)
        for value, expected in ((14.9, False), (15.0, True), (15.1, True))
    ]


_MDS_BLASTS = ["who2022.blasts.mds_ib1", "icc2022.blasts.mds_eb"]
_HIGH_MDS_BLASTS = [
    "who2022.blasts.mds_ib2",
    "icc2022.blasts.mds_aml",
    "icc2022.blasts.aml_recurrent_genetic",
]
_CLONAL = Findings(plasma_cells_clonal=True)
_POLYCLONAL = Findings(plasma_cells_clonal=False)
_SF3B1 = Findings(sf3b1_mutated=True)
_SF3B1_WT = Findings(sf3b1_mutated=False)
_ERYTHROID = [
    "who2022.erythroid.aml_erythroid_differentiation",
    "icc2022.erythroid.acute_erythroid_leukaemia",
]

CASES: list[Case] = [
    # Blasts: 5 %, 10 %, 20 % (WHO 2022 MDS-IB1/IB2, ICC 2022 MDS-EB, MDS/AML, AML).
    *(
        c
        for rule in _MDS_BLASTS
        for c in edge(rule, "BLA", 50, "ge") + edge(rule, "BLA", 100, "lt")
    ),
    *(
        c
        for rule in _HIGH_MDS_BLASTS
        for c in edge(rule, "BLA", 100, "ge") + edge(rule, "BLA", 200, "lt")
    ),
    *edge("who2022.blasts.aml", "BLA", 200, "ge"),
    *edge("icc2022.blasts.aml", "BLA", 200, "ge"),
    *edge("who2022.lymphoblasts.all", "LBL", 200, "ge"),
    # AML defined by differentiation (WHO 2022).
    *edge("who2022.aml_differentiation.myelomonocytic", "BLA", 200, "ge", {"MON": 250, "MYB": 250}),
    *edge("who2022.aml_differentiation.myelomonocytic", "MON", 200, "ge", {"BLA": 300, "MYB": 250}),
    *edge("who2022.aml_differentiation.myelomonocytic", "MYB", 200, "ge", {"BLA": 300, "MON": 250}),
    *edge(
        "who2022.aml_differentiation.monocytic",
        "BLA",
        200,
        "ge",
        {"BLA": 200, "MON": 650, "MYB": 100},
        compensate="MON",
    ),
    *edge("who2022.aml_differentiation.monocytic", "MON", 400, "ge", {"BLA": 400, "MYB": 100}),
    *edge(
        "who2022.aml_differentiation.monocytic",
        "MYB",
        200,
        "lt",
        {"BLA": 400, "MON": 400, "MYB": 200},
        compensate="MON",
    ),
    *edge(
        "who2022.aml_differentiation.with_maturation", "BLA", 200, "ge", {"MYB": 200, "MON": 100}
    ),
    *edge(
        "who2022.aml_differentiation.with_maturation", "MYB", 100, "ge", {"BLA": 300, "MON": 100}
    ),
    *edge(
        "who2022.aml_differentiation.with_maturation", "MON", 200, "lt", {"BLA": 300, "MYB": 200}
    ),
    *edge("who2022.aml_differentiation.without_maturation", "BLA", 200, "ge", {"MYB": 50}),
    *edge("who2022.aml_differentiation.without_maturation", "MYB", 100, "lt", {"BLA": 500}),
    # Promyelocytes and APL.
    *present("who2022.apl.faggot_cells", "FGC"),
    *present("icc2022.apl.blasts_and_abnormal_promyelocytes", "FGC", {"BLA": 150}),
    *edge("icc2022.apl.blasts_and_abnormal_promyelocytes", "BLA", 80, "ge", {"FGC": 20}),
    *edge("who2022.promyelocytes.blast_equivalents", "PMO", 200, "ge"),
    # Plasma cells (IMWG 2014): 10 % and 60 %, only unless known polyclonal.
    *edge("imwg2014.plasma_cells.ge10", "PLM", 100, "ge"),
    *edge("imwg2014.plasma_cells.ge10", "PLM", 600, "lt", findings=_CLONAL),
    Case("imwg2014.plasma_cells.ge10", {"PLM": 200}, _POLYCLONAL, expected=False),
    *edge("imwg2014.plasma_cells.ge60", "PLM", 600, "ge", findings=_CLONAL),
    Case("imwg2014.plasma_cells.ge60", {"PLM": 700}, _POLYCLONAL, expected=False),
    # Ring sideroblasts and SF3B1 (WHO 2022, ICC 2022); blasts below 5 %.
    *ring("who2022.ring_sideroblasts.mds_lb_rs", {"BLA": 10}, sf3b1=None),
    *ring("who2022.ring_sideroblasts.mds_lb_rs", {"BLA": 10}, sf3b1=False),
    *edge(
        "who2022.ring_sideroblasts.mds_lb_rs",
        "BLA",
        50,
        "lt",
        findings=Findings(ring_sideroblasts=20),
    ),
    Case("who2022.ring_sideroblasts.mds_lb_rs", {"BLA": 10}, Findings(20, True), expected=False),
    *edge("who2022.ring_sideroblasts.mds_sf3b1", "BLA", 50, "lt", findings=_SF3B1),
    Case("who2022.ring_sideroblasts.mds_sf3b1", {"BLA": 10}, _SF3B1_WT, expected=False),
    Case("who2022.ring_sideroblasts.mds_sf3b1", {"BLA": 10}, Findings(), expected=False),
    *edge("icc2022.ring_sideroblasts.mds_sf3b1", "BLA", 50, "lt", findings=_SF3B1),
    Case("icc2022.ring_sideroblasts.mds_sf3b1", {"BLA": 10}, Findings(), expected=False),
    *ring("icc2022.ring_sideroblasts.without_sf3b1", {"BLA": 10}, sf3b1=None),
    *ring("icc2022.ring_sideroblasts.without_sf3b1", {"BLA": 10}, sf3b1=False),
    Case(
        "icc2022.ring_sideroblasts.without_sf3b1", {"BLA": 10}, Findings(20, True), expected=False
    ),
    # Erythroid: 50 % predominance; 80 % erythroid with 30 % proerythroblasts.
    *edge("who2022.erythroid.predominance", "EPC", 500, "ge"),
    *(c for rule in _ERYTHROID for c in edge(rule, "EPC", 500, "ge", {"PEB": 300})),
    *(
        c
        for rule in _ERYTHROID
        for c in edge(rule, "PEB", 270, "ge", {"PEB": 270, "EPC": 630}, compensate="EPC")
    ),
    # Eosinophils: above 20 % (ICOG-EO 2012); abnormal eosinophils seen.
    *edge("icog2012.eosinophils.tissue_hypereosinophilia", "EOS", 200, "gt"),
    *present("who2022.eosinophils.abnormal", "ABE"),
    # Lymphoid: lymphocytes above 30 % (NCI-WG 1996); hairy cells seen.
    *edge("nciwg1996.lymphocytes.gt30", "LYT", 300, "gt"),
    *present("who2022.hairy_cells.present", "HAC"),
    # Mast cells 20 % (mast cell leukaemia), basophils 20 % (ICC CML accelerated phase).
    *edge("who2022.mast_cells.leukaemia", "MAS", 200, "ge"),
    *edge("icc2022.basophils.cml_accelerated", "BAS", 200, "ge"),
]


def _counts(case: Case) -> CellCounts:
    filler = TOTAL - sum(case.counts.values())
    assert filler >= 0, case.label()
    return CellCounts.of({**case.counts, "OTH": filler})


@pytest.mark.parametrize("case", CASES, ids=Case.label)
def test_rule_fires_exactly_on_its_side_of_each_boundary(case: Case) -> None:
    flags = evaluate_thresholds(_counts(case), case.findings)

    met = {flag.rule.id for flag in flags if flag.status is FlagStatus.MET}

    assert (case.rule in met) is case.expected


def test_every_rule_of_the_table_has_boundary_cases() -> None:
    assert {rule.id for rule in threshold_rules()} == {case.rule for case in CASES}


def test_every_rule_cites_a_source_and_supports_rather_than_diagnoses() -> None:
    for rule in threshold_rules():
        assert rule.sources
        assert all(re.search(r"(19|20)\d\d;\d+", source) for source in rule.sources)
        wording = rule.wording.lower()
        assert "consistent with" in wording or "consider" in wording
        assert "diagnosis of" not in wording


def test_who_and_icc_both_flag_aml_and_name_10_to_19_percent_differently() -> None:
    aml = evaluate_thresholds(CellCounts.of({"BLA": 125, "NGS": 375}))
    mid = evaluate_thresholds(CellCounts.of({"BLA": 150, "NGS": 850}))

    assert {"who2022.blasts.aml", "icc2022.blasts.aml"} <= {f.rule.id for f in aml}
    wording = " ".join(f.rule.wording for f in mid if f.status is FlagStatus.MET)
    assert "MDS-IB2" in wording and "MDS/AML" in wording
    assert "RAEB" not in wording


def test_a_threshold_inside_the_interval_of_a_small_count_is_flagged_near() -> None:
    flags = evaluate_thresholds(CellCounts.of({"BLA": 18, "NGS": 82}))

    near = {f.rule.id for f in flags if f.status is FlagStatus.NEAR}
    ib2 = next(f for f in flags if f.rule.id == "who2022.blasts.mds_ib2")
    assert "who2022.blasts.aml" in near
    assert ib2.status is FlagStatus.MET and not ib2.holds_across_interval


def test_a_threshold_well_clear_of_the_interval_holds_across_it() -> None:
    flags = evaluate_thresholds(CellCounts.of({"BLA": 300, "NGS": 200}))

    aml = next(f for f in flags if f.rule.id == "who2022.blasts.aml")
    assert aml.holds_across_interval
    assert "who2022.blasts.mds_ib2" not in {f.rule.id for f in flags}


def test_absent_classes_are_never_near_a_presence_rule() -> None:
    flags = evaluate_thresholds(CellCounts.of({"NGS": 20}))

    assert "who2022.apl.faggot_cells" not in {f.rule.id for f in flags}


def test_ring_sideroblasts_outside_0_to_100_are_refused() -> None:
    with pytest.raises(InvalidMeasurement, match="ring sideroblasts"):
        Findings(ring_sideroblasts=120)
