"""ISCN 2020 parsing: the model, the canonical rendering, and worked examples.

Expected values are written by hand from ISCN 2020 (McGowan-Jordan et al., Karger 2020).
"""

from __future__ import annotations

import pytest

from marrowscope.domain.diagnosis.karyotype import (
    AbnormalityKind,
    Arm,
    Breakpoint,
    ChromosomeNumber,
    ReferenceKind,
    Sign,
    parse_karyotype,
)


def test_normal_male_and_female_are_normal_clones() -> None:
    male = parse_karyotype("46,XY[20]")
    female = parse_karyotype("46,XX")
    assert male.normal and female.normal
    assert male.clones[0].modal_number == ChromosomeNumber(46, 46)
    assert male.clones[0].sex_chromosomes == "XY"
    assert male.metaphases_total == 20 and male.metaphases_abnormal == 0
    assert female.metaphases_total is None


def test_numerical_gain_and_loss() -> None:
    clone = parse_karyotype("47,XX,+8[12]/46,XX[8]").clones[0]
    (gain,) = clone.abnormalities
    assert gain.kind is AbnormalityKind.NUMERICAL and gain.sign is Sign.PLUS
    assert gain.chromosomes == ("8",) and gain.is_gain
    loss = parse_karyotype("45,XY,-7[20]").clones[0].abnormalities[0]
    assert loss.is_loss and loss.chromosomes == ("7",)


def test_metaphases_abnormal_is_derived_from_abnormal_clones() -> None:
    karyotype = parse_karyotype("46,XY,del(5)(q13q33)[12]/47,idem,+8[5]/46,XY[3]")
    assert karyotype.metaphases_total == 20
    assert karyotype.metaphases_abnormal == 17
    assert [c.abnormal for c in karyotype.clones] == [True, True, False]


def test_deletion_breakpoints_and_sub_bands() -> None:
    (item,) = parse_karyotype("46,XY,del(20)(q11.2q13.3)[10]").clones[0].abnormalities
    assert item.kind is AbnormalityKind.DEL
    assert item.chromosomes == ("20",)
    assert item.breakpoints == ((Breakpoint(Arm.Q, "11.2"), Breakpoint(Arm.Q, "13.3")),)


def test_terminal_bands_and_centromere() -> None:
    item = parse_karyotype("46,XX,del(1)(pter)[3]").clones[0].abnormalities[0]
    assert item.breakpoints == ((Breakpoint(Arm.P, "ter"),),)
    ring = parse_karyotype("46,XX,r(7)(p22q36)[3]").clones[0].abnormalities[0]
    assert ring.kind is AbnormalityKind.R
    cen = parse_karyotype("46,XX,inv(9)(cenq12)[3]").clones[0].abnormalities[0]
    assert cen.breakpoints[0][0].arm is Arm.CEN


def test_three_way_translocation() -> None:
    (item,) = parse_karyotype("46,XX,t(1;3;5)(p32;q21;q31)[10]").clones[0].abnormalities
    assert item.kind is AbnormalityKind.T
    assert item.chromosomes == ("1", "3", "5")
    assert [str(g[0]) for g in item.breakpoints] == ["p32", "q21", "q31"]


def test_derivative_with_two_translocations() -> None:
    text = "46,XX,der(1)t(1;3)(p22;q13.1)t(1;11)(q25;p14)[3]"
    (item,) = parse_karyotype(text).clones[0].abnormalities
    assert item.kind is AbnormalityKind.DER and item.chromosomes == ("1",)
    assert [p.chromosomes for p in item.components] == [("1", "3"), ("1", "11")]


def test_whole_arm_derivative() -> None:
    clone = parse_karyotype("46,XY,+1,der(1;7)(q10;p10)[15]/46,XY[5]").clones[0]
    der = clone.abnormalities[1]
    assert der.kind is AbnormalityKind.DER and der.chromosomes == ("1", "7")
    assert der.breakpoints == ((Breakpoint(Arm.Q, "10"),), (Breakpoint(Arm.P, "10"),))


def test_markers_with_ranges_in_a_composite_karyotype() -> None:
    clone = parse_karyotype("45~48,XY,-5,-7,+8,+3~5mar[cp10]").clones[0]
    assert clone.composite and clone.metaphases == 10
    assert clone.modal_number == ChromosomeNumber(45, 48)
    marker = clone.abnormalities[-1]
    assert marker.kind is AbnormalityKind.MAR and marker.amount == (3, 5)
    two = parse_karyotype("48,XY,+2mar[5]").clones[0].abnormalities[0]
    assert two.amount == (2, 2)


def test_constitutional_trisomy_is_normal() -> None:
    karyotype = parse_karyotype("47,XY,+21c[20]")
    assert karyotype.clones[0].abnormalities[0].constitutional
    assert karyotype.normal and karyotype.metaphases_abnormal == 0
    acquired = parse_karyotype("48,XY,+8,+21c[20]")
    assert not acquired.normal and len(acquired.clones[0].acquired) == 1


def test_constitutional_sex_chromosomes() -> None:
    clone = parse_karyotype("47,XXYc[20]").clones[0]
    assert clone.sex_chromosomes == "XXY" and clone.sex_constitutional and not clone.abnormal


def test_loss_of_y_is_written_with_the_remaining_sex_chromosome() -> None:
    clone = parse_karyotype("45,X,-Y[20]").clones[0]
    assert clone.sex_chromosomes == "X" and clone.abnormal


def test_idem_inherits_the_stemline() -> None:
    clones = parse_karyotype("46,XY,t(8;21)(q22;q22)[3]/45,idem,-Y[5]").clones
    assert clones[1].reference is not None and clones[1].reference.kind is ReferenceKind.IDEM
    assert [str(a) for a in clones[1].abnormalities] == ["t(8;21)(q22;q22)", "-Y"]
    assert clones[1].sex_chromosomes == "X"


def test_sl_and_sdl_resolve_to_the_right_clone() -> None:
    text = "46,XX,t(8;21)(q22;q22.1)[4]/45,sl,-X[17]/46,sdl,+8[4]"
    clones = parse_karyotype(text).clones
    assert [str(a) for a in clones[2].abnormalities] == ["t(8;21)(q22;q22.1)", "-X", "+8"]
    numbered = "46,XX,t(8;21)(q22;q22.1)[4]/45,sl,-X[17]/47,sl,+8[3]/46,sdl1,+8[2]"
    last = parse_karyotype(numbered).clones[3]
    assert [str(a) for a in last.abnormalities] == ["t(8;21)(q22;q22.1)", "-X", "+8"]


def test_a_subclone_loss_of_an_inherited_gain_cancels_it() -> None:
    clones = parse_karyotype("48,XY,+8,+9[5]/47,idem,-8[5]").clones
    assert [str(a) for a in clones[1].abnormalities] == ["+9"]


def test_multiplication_and_extra_derivative() -> None:
    item = parse_karyotype("48,XY,+der(22)t(9;22)(q34;q11.2)x2[4]").clones[0].abnormalities[0]
    assert item.sign is Sign.PLUS and item.copies == 2
    assert item.components[0].chromosomes == ("9", "22")


def test_uncertainty_and_unknown_partner() -> None:
    item = parse_karyotype("46,XY,?del(5)(q31)[5]").clones[0].abnormalities[0]
    assert item.uncertain
    partner = parse_karyotype("46,XY,t(?;11)(?;q23)[5]").clones[0].abnormalities[0]
    assert partner.chromosomes == ("?", "11")
    ranged = parse_karyotype("46,XY,add(19)(p13.1~p13.3)[5]").clones[0].abnormalities[0]
    assert ranged.breakpoints[0][0].upto == Breakpoint(Arm.P, "13.3")


def test_report_shorthand_for_arms() -> None:
    assert str(parse_karyotype("46,XY,del(5q)[10]")) == "46,XY,del(5)(q)[10]"
    assert str(parse_karyotype("46,XY,i(17q)[10]")) == "46,XY,i(17)(q10)[10]"


def test_ploidy_and_near_tetraploid_clones() -> None:
    assert parse_karyotype("70<3n>,XXY,+8[5]").clones[0].modal_number.ploidy == 3
    assert parse_karyotype("92,XXYY[2]/46,XY[18]").normal


def test_spaces_after_separators_are_tolerated() -> None:
    karyotype = parse_karyotype("46,XY, t(9;22)(q34;q11.2) [20] / 46,XY [3]")
    assert str(karyotype) == "46,XY,t(9;22)(q34;q11.2)[20]/46,XY[3]"


def test_in_situ_tail_is_kept_uninterpreted() -> None:
    karyotype = parse_karyotype("46,XX,inv(3)(q21q26.2)[20].nuc ish(RPN1x2)[200]")
    assert karyotype.in_situ == "nuc ish(RPN1x2)[200]"
    assert len(karyotype.clones) == 1


def test_incomplete_karyotype_and_double_minutes() -> None:
    clone = parse_karyotype("47,XX,+8,2~30dmin,inc[5]").clones[0]
    assert clone.incomplete
    assert clone.abnormalities[1].kind is AbnormalityKind.DMIN


@pytest.mark.parametrize(
    "text",
    [
        "46,XY[20]",
        "46,XY,del(5)(q13q33)[12]/47,idem,+8[5]/46,XY[3]",
        "46,XX,t(8;21)(q22;q22.1)[4]/45,sl,-X[17]/46,sdl1,+8[4]",
        "45~48,XY,-5,-7,+8,+3~5mar[cp10]",
        "47,XY,+21c[20]",
        "48,XXYc,+8[20]",
        "48,XY,+der(22)t(9;22)(q34;q11.2)x2[4]",
        "46,XY,?del(5)(q31)[5]",
        "46,XY,add(19)(p13.1~p13.3)[5]",
        "45,XY,dic(5;17)(q11;p11)[3]",
        "46,XX,ins(5;11)(q31;q13q23)[3]",
        "70<3n>,XXY,+8[5]",
        "92<4n>,XXYY,t(8;21)(q22;q22)x2[3]/184<8n>,idemx2[2]",
        "47,XX,+8,2~30dmin,inc[5]",
        "46,XX,inv(3)(q21q26.2)[20].nuc ish(RPN1x2)[200]",
        "47,XY,+mar1[3]",
    ],
)
def test_canonical_rendering_round_trips(text: str) -> None:
    karyotype = parse_karyotype(text)
    assert str(karyotype) == text
    assert parse_karyotype(str(karyotype)) == karyotype
