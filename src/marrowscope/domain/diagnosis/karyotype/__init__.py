"""ISCN 2020 karyotypes: read the string once, derive the facts every engine uses.

``parse_karyotype`` reads a karyotype into clones and abnormalities (or refuses it with
a ``KaryotypeSyntaxError`` that gives the position); ``karyotype_facts`` derives the
``KaryotypeFacts`` of ``diagnosis.findings``: counts under each system's rule, complex
and monosomal karyotype, named lesions, recurrent rearrangements and the IPSS-R group.
The counting rules and their sources are in ``tables/karyotype.toml``.
"""

from __future__ import annotations

from marrowscope.domain.diagnosis.karyotype.errors import KaryotypeSyntaxError
from marrowscope.domain.diagnosis.karyotype.facts import karyotype_facts
from marrowscope.domain.diagnosis.karyotype.model import (
    Abnormality,
    AbnormalityKind,
    Arm,
    Breakpoint,
    ChromosomeNumber,
    Clone,
    CloneReference,
    Karyotype,
    ReferenceKind,
    Sign,
)
from marrowscope.domain.diagnosis.karyotype.parser import parse_karyotype

__all__ = [
    "Abnormality",
    "AbnormalityKind",
    "Arm",
    "Breakpoint",
    "ChromosomeNumber",
    "Clone",
    "CloneReference",
    "Karyotype",
    "KaryotypeSyntaxError",
    "ReferenceKind",
    "Sign",
    "karyotype_facts",
    "parse_karyotype",
]
