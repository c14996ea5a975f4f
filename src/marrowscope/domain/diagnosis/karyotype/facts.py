"""``karyotype_facts``: a karyotype in the terms the classifications and scores use."""

from __future__ import annotations

from marrowscope.domain.diagnosis.findings import KaryotypeFacts
from marrowscope.domain.diagnosis.karyotype.counting import (
    complex_karyotype,
    monosomal_karyotype,
    tally,
)
from marrowscope.domain.diagnosis.karyotype.ipssr import ipssr_group
from marrowscope.domain.diagnosis.karyotype.lesions import (
    arm_losses,
    is_idic_xq13,
    is_isochromosome_17q,
    whole_change,
)
from marrowscope.domain.diagnosis.karyotype.model import Karyotype
from marrowscope.domain.diagnosis.karyotype.parser import parse_karyotype
from marrowscope.domain.diagnosis.karyotype.rearrangements import rearrangements_in

__all__ = ["karyotype_facts"]


def karyotype_facts(karyotype: str | Karyotype) -> KaryotypeFacts:
    """Every field of ``KaryotypeFacts`` from an ISCN string (parsed here) or a parsed one.

    Lesion flags are true when any clone carries the lesion; ``iscn`` is the canonical
    rendering. Raises ``KaryotypeSyntaxError`` for a string that cannot be read.
    """
    parsed = parse_karyotype(karyotype) if isinstance(karyotype, str) else karyotype
    counts = tally(parsed)
    found = rearrangements_in(parsed)
    changes = {whole_change(item) for item in counts.counted} - {None}
    lost: set[str] = set()
    for item in counts.counted:
        lost |= arm_losses(item)
    return KaryotypeFacts(
        iscn=str(parsed),
        normal=parsed.normal,
        metaphases_total=parsed.metaphases_total,
        metaphases_abnormal=parsed.metaphases_abnormal,
        abnormality_count_who_icc=counts.who_icc,
        abnormality_count_eln=counts.eln,
        complex_who_icc=complex_karyotype(counts.who_icc, counts, found),
        complex_eln=complex_karyotype(counts.eln, counts, found),
        monosomal=monosomal_karyotype(counts, found),
        del5q="5q" in lost,
        minus5="-5" in changes,
        minus7="-7" in changes,
        del7q="7q" in lost,
        del17p="17p" in lost,
        i17q=any(is_isochromosome_17q(item) for item in counts.counted),
        minus17="-17" in changes,
        plus8="+8" in changes,
        del20q="20q" in lost,
        minus_y="-Y" in changes,
        del11q="11q" in lost,
        del12p="12p" in lost,
        plus19="+19" in changes,
        rearrangements=found,
        ipssr_group=ipssr_group(parsed, counts),
        minus13="-13" in changes,
        del13q="13q" in lost,
        idic_xq13=any(is_idic_xq13(item) for item in counts.counted),
    )
