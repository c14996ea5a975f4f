"""IPSS-R cytogenetic groups, written from Greenberg 2012 (Blood 120:2454) Table 2 and
Schanz 2012 (J Clin Oncol 30:820)."""

from __future__ import annotations

import pytest

from marrowscope.domain.diagnosis.findings import IpssrCytoGroup
from marrowscope.domain.diagnosis.karyotype import karyotype_facts

VERY_GOOD = IpssrCytoGroup.VERY_GOOD
GOOD = IpssrCytoGroup.GOOD
INTERMEDIATE = IpssrCytoGroup.INTERMEDIATE
POOR = IpssrCytoGroup.POOR
VERY_POOR = IpssrCytoGroup.VERY_POOR


@pytest.mark.parametrize(
    ("text", "group"),
    [
        # very good: -Y, del(11q) alone
        ("45,X,-Y[20]", VERY_GOOD),
        ("46,XY,del(11)(q14q23)[20]", VERY_GOOD),
        # good: normal, del(5q), del(12p), del(20q) alone
        ("46,XY[20]", GOOD),
        ("47,XY,+21c[20]", GOOD),  # constitutional only counts as normal
        ("46,XY,del(5)(q13q33)[20]", GOOD),
        ("46,XY,del(12)(p11.2p13)[20]", GOOD),
        ("46,XY,del(20)(q11.2q13.3)[20]", GOOD),
        # intermediate: del(7q), +8, +19, i(17q), any other single
        ("46,XY,del(7)(q22q36)[20]", INTERMEDIATE),
        ("47,XY,+8[20]", INTERMEDIATE),
        ("47,XY,+19[20]", INTERMEDIATE),
        ("46,XY,i(17)(q10)[20]", INTERMEDIATE),
        ("46,XY,t(1;3)(p36;p21)[20]", INTERMEDIATE),
        ("46,XY,+1,der(1;7)(q10;p10)[20]", INTERMEDIATE),  # not coded as del(7q)
        ("47,XY,+mar[20]", INTERMEDIATE),
        # poor: -7, inv(3)/t(3q)/del(3q) alone
        ("45,XY,-7[20]", POOR),
        ("46,XY,inv(3)(q21q26.2)[20]", POOR),
        ("46,XY,t(3;21)(q26;q22)[20]", POOR),
        ("46,XY,del(3)(q21)[20]", POOR),
    ],
)
def test_single_abnormality(text: str, group: IpssrCytoGroup) -> None:
    assert karyotype_facts(text).ipssr_group is group


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("47,XY,del(5)(q13q33),+8[20]", GOOD),  # double including del(5q)
        ("46,XY,del(5)(q13q33)[12]/47,idem,+8[5]/46,XY[3]", GOOD),  # same lineage
        ("46,XY,del(5)(q13q33),del(20)(q11.2)[20]", GOOD),
        ("45,XY,del(5)(q13q33),-7[20]", POOR),  # -7 outranks del(5q)
        ("46,XY,del(5)(q13q33),del(7)(q22)[20]", POOR),
        ("46,X,-Y,+8[20]", INTERMEDIATE),  # -Y in a double is just another abnormality
        ("48,XY,+8,+19[20]", INTERMEDIATE),
        ("46,XY,del(20)(q11.2),del(11)(q14q23)[20]", INTERMEDIATE),
        ("46,XY,del(20)(q11.2)[10]/45,XY,-7[10]", POOR),  # double including -7
        ("46,XY,del(5)(q31)[10]/47,XY,+8[10]", INTERMEDIATE),  # double independent clones
    ],
)
def test_double_abnormalities(text: str, group: IpssrCytoGroup) -> None:
    assert karyotype_facts(text).ipssr_group is group


@pytest.mark.parametrize(
    ("text", "count", "group"),
    [
        ("47,XY,del(5)(q31),+8[20]", 2, GOOD),
        ("48,XY,del(5)(q31),+8,+mar[20]", 3, POOR),  # complex: 3
        ("46,XY,del(5)(q31),+8,-9[20]", 3, POOR),
        ("45,XY,del(5)(q31),+8,-9,-7[20]", 4, VERY_POOR),  # complex: > 3
        ("43,XY,del(5)(q31),-7,-9,-17,-18,+mar[20]", 6, VERY_POOR),
        # counted across the clone and its subclones
        ("46,XY,del(5)(q31)[5]/47,idem,+8[5]/46,sdl,-9[5]", 3, POOR),
        ("46,XY,del(5)(q31)[5]/47,idem,+8[5]/46,sdl,-9[5]/45,sdl,-7[5]", 4, VERY_POOR),
        # hyperdiploid trisomies still count for IPSS-R
        ("49,XY,+8,+13,+21[10]", 3, POOR),
    ],
)
def test_complex_by_number(text: str, count: int, group: IpssrCytoGroup) -> None:
    facts = karyotype_facts(text)
    assert facts.abnormality_count_who_icc == count
    assert facts.ipssr_group is group
