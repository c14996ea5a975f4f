"""Derived facts, at and either side of each threshold; expectations written from the
definitions (ICC 2022, ELN 2022 Table 6 footnotes, Breems 2008, WHO 2022 AML-MR)."""

from __future__ import annotations

import pytest

from marrowscope.domain.diagnosis.findings import Rearrangement
from marrowscope.domain.diagnosis.karyotype import karyotype_facts, parse_karyotype


def test_normal_karyotype() -> None:
    facts = karyotype_facts("46,XX[20]")
    assert facts.normal and facts.iscn == "46,XX[20]"
    assert facts.metaphases_total == 20 and facts.metaphases_abnormal == 0
    assert facts.abnormality_count_who_icc == 0 and not facts.complex_who_icc


def test_accepts_a_parsed_karyotype() -> None:
    assert karyotype_facts(parse_karyotype("45,XY,-7[20]")).minus7


def test_clone_evolution_counts_each_abnormality_once() -> None:
    facts = karyotype_facts("46,XY,del(5)(q13q33)[12]/47,idem,+8[5]/46,XY[3]")
    assert facts.abnormality_count_who_icc == 2  # del(5q) and +8
    assert facts.metaphases_abnormal == 17 and facts.metaphases_total == 20
    assert facts.del5q and facts.plus8 and not facts.complex_who_icc


@pytest.mark.parametrize(
    ("text", "count", "complex_"),
    [
        ("47,XY,del(5)(q13q33),+8[10]", 2, False),
        ("46,XY,del(5)(q13q33),-7,+8[10]", 3, True),
        ("47,XY,del(5)(q13q33),-7,+8,+11[10]", 4, True),
        # three abnormalities spread over a stemline and its sideline
        ("46,XY,del(5)(q13q33)[5]/47,idem,+8[5]/46,idem,-7,+8[5]", 3, True),
        # a constitutional trisomy does not count
        ("48,XY,del(5)(q13q33),+8,+21c[10]", 2, False),
    ],
)
def test_complex_threshold(text: str, count: int, complex_: bool) -> None:
    facts = karyotype_facts(text)
    assert facts.abnormality_count_who_icc == count
    assert facts.abnormality_count_eln == count
    assert facts.complex_who_icc is complex_ and facts.complex_eln is complex_


def test_markers_count_each() -> None:
    assert karyotype_facts("47,XY,del(5)(q31),+mar[5]").abnormality_count_who_icc == 2
    facts = karyotype_facts("48,XY,del(5)(q31),+2mar[5]")
    assert facts.abnormality_count_who_icc == 3 and facts.complex_who_icc
    low = karyotype_facts("45~49,XY,-7,+3~5mar[cp8]")
    assert low.abnormality_count_who_icc == 4


@pytest.mark.parametrize(
    ("text", "complex_"),
    [
        ("49,XY,+8,+13,+21[10]", False),  # hyperdiploid, 3 trisomies, nothing structural
        ("50,XY,+8,+8,+13,+21[10]", False),  # tetrasomy 8 is a polysomy: still excluded
        ("48,XY,+8,+13[10]", False),  # two trisomies: not complex anyway
        ("49,XY,+8,+13,+21,del(20)(q11.2)[10]", True),  # a structural abnormality: complex
        ("50,XY,+8,+13,+21,+mar[10]", True),  # a marker is structural
    ],
)
def test_hyperdiploid_trisomies_only_exclusion(text: str, complex_: bool) -> None:
    facts = karyotype_facts(text)
    assert facts.complex_eln is complex_ and facts.complex_who_icc is complex_


def test_class_defining_rearrangement_excludes_complex() -> None:
    facts = karyotype_facts("45,XY,t(8;21)(q22;q22.1),-9,del(7)(q22)[10]")
    assert facts.abnormality_count_who_icc == 3
    assert not facts.complex_who_icc and not facts.complex_eln
    assert facts.rearrangements == frozenset({Rearrangement.RUNX1_RUNX1T1})


def test_eln_counts_an_extra_philadelphia_as_related() -> None:
    facts = karyotype_facts("48,XY,t(9;22)(q34;q11.2),+8,+der(22)t(9;22)(q34;q11.2)[10]")
    assert facts.abnormality_count_who_icc == 3
    assert facts.abnormality_count_eln == 2


@pytest.mark.parametrize(
    ("text", "monosomal"),
    [
        ("45,XY,-7[20]", False),  # one monosomy alone
        ("44,XY,-5,-7[20]", True),  # two autosomal monosomies
        ("45,XY,-7,del(5)(q31)[20]", True),  # one monosomy and a structural abnormality
        ("46,XY,-7,+mar[20]", True),  # a marker is structural
        ("45,XY,-7,+8,-9[20]", True),  # two monosomies besides a trisomy
        ("45,X,-Y,-7[20]", False),  # -Y is not an autosomal monosomy
        ("44,X,-X,-7[20]", False),  # nor is -X
        ("45,XY,-7,-7,+8[20]", False),  # the same monosomy twice is one
        ("45,XX,t(8;21)(q22;q22.1),-9,-7,+8[20]", False),  # core-binding-factor AML excluded
        ("45,XY,inv(16)(p13.1q22),-7[20]", False),
        ("46,XY,del(5)(q31),del(7)(q22)[20]", False),  # no monosomy at all
    ],
)
def test_monosomal_karyotype(text: str, monosomal: bool) -> None:
    assert karyotype_facts(text).monosomal is monosomal


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("46,XY,del(5)(q13q33)[10]", "del5q"),
        ("46,XY,del(5q)[10]", "del5q"),
        ("45,XY,-5[10]", "minus5"),
        ("45,XY,-7[10]", "minus7"),
        ("46,XY,del(7)(q22q36)[10]", "del7q"),
        ("46,XY,del(17)(p11.2)[10]", "del17p"),
        ("46,XY,i(17)(q10)[10]", "i17q"),
        ("45,XY,-17[10]", "minus17"),
        ("47,XY,+8[10]", "plus8"),
        ("46,XY,del(20)(q11.2q13.3)[10]", "del20q"),
        ("45,X,-Y[10]", "minus_y"),
        ("46,XY,del(11)(q14q23)[10]", "del11q"),
        ("46,XY,del(12)(p11.2p13)[10]", "del12p"),
        ("47,XY,+19[10]", "plus19"),
        ("45,XY,-13[10]", "minus13"),
        ("46,XY,del(13)(q12q14)[10]", "del13q"),
        ("46,X,idic(X)(q13)[10]", "idic_xq13"),
    ],
)
def test_named_lesions(text: str, flag: str) -> None:
    facts = karyotype_facts(text)
    assert getattr(facts, flag) is True
    others = {"del5q", "minus5", "minus7", "del7q", "del17p", "i17q", "minus17", "plus8"}
    others |= {"del20q", "minus_y", "del11q", "del12p", "plus19", "minus13", "del13q"}
    others |= {"idic_xq13"}
    for other in others - {flag, "del17p"}:
        assert getattr(facts, other) is False, other


def test_i17q_also_loses_17p() -> None:
    facts = karyotype_facts("46,XY,i(17)(q10)[10]")
    assert facts.i17q and facts.del17p


@pytest.mark.parametrize(
    ("text", "lost"),
    [
        ("46,XY,+1,der(1;7)(q10;p10)[10]", {"del7q"}),  # keeps 1q and 7p: 7q lost
        ("45,XY,der(5;17)(p10;q10)[10]", {"del5q", "del17p"}),
        ("45,XY,dic(5;17)(q11;p11)[10]", {"del5q", "del17p"}),
        ("46,XY,der(7)t(7;12)(q22;p13)[10]", {"del7q"}),
        ("46,XY,der(17)t(17;18)(p11.2;q11)[10]", {"del17p"}),
        ("46,XY,idic(17)(p11)[10]", {"del17p"}),
        ("47,XY,+der(7)t(7;12)(q22;p13)[10]", set()),  # an extra copy loses nothing
        ("46,XY,add(5)(q31)[10]", set()),  # unknown material: not read as a loss
        ("46,XY,t(5;12)(q33;p13)[10]", set()),  # balanced
    ],
)
def test_arm_loss_by_unbalanced_rearrangement(text: str, lost: set[str]) -> None:
    facts = karyotype_facts(text)
    flags = {"del5q", "del7q", "del17p"}
    assert {flag for flag in flags if getattr(facts, flag)} == lost


def test_der_1_7_with_its_plus_1_is_one_abnormality() -> None:
    facts = karyotype_facts("46,XY,+1,der(1;7)(q10;p10)[15]/46,XY[5]")
    assert facts.abnormality_count_who_icc == 1 and not facts.plus8


@pytest.mark.parametrize(
    ("text", "members"),
    [
        ("46,XY,t(8;21)(q22;q22)[20]", {"RUNX1_RUNX1T1"}),
        ("46,XY,t(8;21)(q22;q22.1)[20]", {"RUNX1_RUNX1T1"}),
        ("46,XY,t(21;8)(q22.1;q22)[20]", {"RUNX1_RUNX1T1"}),
        ("46,XY,t(8;21)[20]", {"RUNX1_RUNX1T1"}),
        ("46,XY,inv(16)(p13q22)[20]", {"CBFB_MYH11"}),
        ("46,XY,inv(16)(p13.1q22)[20]", {"CBFB_MYH11"}),
        ("46,XY,t(16;16)(p13.1;q22)[20]", {"CBFB_MYH11"}),
        ("46,XY,inv(16)(p13.3q24.3)[20]", {"CBFA2T3_GLIS2"}),
        ("46,XX,t(15;17)(q24.1;q21.2)[20]", {"PML_RARA"}),
        ("46,XX,t(15;17)(q22;q21)[20]", {"PML_RARA"}),
        ("46,XY,t(9;11)(p21.3;q23.3)[20]", {"KMT2A_MLLT3"}),
        ("46,XY,t(9;11)(p22;q23)[20]", {"KMT2A_MLLT3"}),
        ("46,XY,t(6;11)(q27;q23)[20]", {"KMT2A_OTHER"}),
        ("46,XY,t(11;19)(q23;p13.1)[20]", {"KMT2A_OTHER"}),
        ("46,XY,ins(10;11)(p12;q23q13)[20]", {"KMT2A_OTHER"}),
        ("46,XY,t(6;9)(p23;q34)[20]", {"DEK_NUP214"}),
        ("46,XX,inv(3)(q21q26.2)[20]", {"GATA2_MECOM"}),
        ("46,XX,t(3;3)(q21.3;q26.2)[20]", {"GATA2_MECOM"}),
        ("46,XX,t(3;21)(q26;q22)[20]", {"MECOM_OTHER"}),
        ("46,XX,t(2;3)(p21;q26.2)[20]", {"MECOM_OTHER"}),
        ("46,XY,t(9;22)(q34;q11.2)[20]", {"BCR_ABL1"}),
        ("47,XY,t(9;22)(q34;q11.2),+der(22)t(9;22)(q34;q11.2)[20]", {"BCR_ABL1"}),
        ("46,XX,t(1;22)(p13;q13)[20]", {"RBM15_MRTFA"}),
        ("46,XY,t(5;11)(q35;p15.5)[20]", {"NUP98_NSD1"}),
        ("46,XY,t(11;12)(p15;p13)[20]", {"NUP98_KDM5A"}),
        ("46,XY,t(8;16)(p11.2;p13.3)[20]", {"KAT6A_CREBBP"}),
        ("46,XY,t(7;12)(q36;p13)[20]", {"ETV6_MNX1"}),
        ("46,XY,t(16;21)(p11.2;q22.2)[20]", {"FUS_ERG"}),
        ("46,XY,t(16;21)(q24.3;q22.1)[20]", {"RUNX1_CBFA2T3"}),
        ("46,XY,t(16;21)[20]", set()),  # two possible fusions: not read without bands
        ("46,XY,del(11)(q23)[20]", set()),  # a deletion is not a rearrangement
        ("46,XY,add(3)(q26)[20]", set()),
        ("46,XY,t(8;21)(q24;q22)[20]", set()),  # other bands on 8: not RUNX1T1
        ("46,XY,t(11;22)(q23;q11.2)c[20]", set()),  # constitutional
    ],
)
def test_rearrangements(text: str, members: set[str]) -> None:
    found = karyotype_facts(text).rearrangements
    assert {member.name for member in found} == members
