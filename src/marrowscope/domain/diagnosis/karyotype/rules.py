"""The counting rules of ``tables/karyotype.toml``, read once into typed values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from marrowscope.domain.diagnosis.findings import IpssrCytoGroup, Rearrangement
from marrowscope.domain.diagnosis.karyotype.model import AbnormalityKind
from marrowscope.domain.tables import load_table

__all__ = [
    "CountingRules",
    "PartnerAnyRule",
    "RearrangementRule",
    "counting_rules",
    "partner_any_rules",
    "rearrangement_rules",
]


@dataclass(frozen=True)
class RearrangementRule:
    """A recurrent rearrangement: every set in ``breakpoints`` must be met by one breakpoint
    ("8q22": chromosome and major band)."""

    member: Rearrangement
    kinds: frozenset[AbnormalityKind]
    chromosomes: frozenset[str]
    breakpoints: tuple[frozenset[str], ...]
    bandless: bool


@dataclass(frozen=True)
class PartnerAnyRule:
    """ "Any partner": a rearrangement breaking in ``band`` (e.g. 11q23 for KMT2A)."""

    member: Rearrangement
    band: str
    kinds: frozenset[AbnormalityKind]
    unless: frozenset[Rearrangement]


@dataclass(frozen=True)
class CountingRules:
    complex_min_abnormalities: int
    hyperdiploid_min_trisomies: int
    ipssr_poor_abnormalities: int
    ipssr_very_poor_above: int
    core_binding_factor: frozenset[Rearrangement]
    ipssr_single: tuple[tuple[str, IpssrCytoGroup], ...]

    def ipssr_group_of_single(self, label: str) -> IpssrCytoGroup:
        return dict(self.ipssr_single).get(label, dict(self.ipssr_single)["other"])


def _kinds(codes: list[str]) -> frozenset[AbnormalityKind]:
    return frozenset(AbnormalityKind(code) for code in codes)


@cache
def counting_rules() -> CountingRules:
    table = load_table("karyotype")
    counting = table["counting"]
    return CountingRules(
        complex_min_abnormalities=int(counting["complex_min_abnormalities"]),
        hyperdiploid_min_trisomies=int(counting["hyperdiploid_min_trisomies"]),
        ipssr_poor_abnormalities=int(counting["ipssr_poor_abnormalities"]),
        ipssr_very_poor_above=int(counting["ipssr_very_poor_above"]),
        core_binding_factor=frozenset(Rearrangement[m] for m in counting["core_binding_factor"]),
        ipssr_single=tuple(
            (label, IpssrCytoGroup(group)) for label, group in table["ipssr_single"].items()
        ),
    )


@cache
def rearrangement_rules() -> tuple[RearrangementRule, ...]:
    return tuple(
        RearrangementRule(
            member=Rearrangement[row["member"]],
            kinds=_kinds(row["kinds"]),
            chromosomes=frozenset(row["chromosomes"]),
            breakpoints=tuple(frozenset(options) for options in row["breakpoints"]),
            bandless=bool(row.get("bandless", False)),
        )
        for row in load_table("karyotype")["rearrangements"]
    )


@cache
def partner_any_rules() -> tuple[PartnerAnyRule, ...]:
    return tuple(
        PartnerAnyRule(
            member=Rearrangement[row["member"]],
            band=row["band"],
            kinds=_kinds(row["kinds"]),
            unless=frozenset(Rearrangement[m] for m in row["unless"]),
        )
        for row in load_table("karyotype")["partner_any"]
    )
