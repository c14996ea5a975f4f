"""How often people agree with the model: the running quality check of AI pre-classification.

For every decided cell with a code, the model's call and the person's final call form a
pair. Reported, as CLSI EP12 and the FDA's guidance on diagnostic agreement ask for a
comparison without a reference standard:

- overall agreement: the share of pairs where both name the same class;
- Cohen's kappa (Cohen 1960): that agreement corrected for the agreement two raters
  with the same class frequencies would reach by chance, ``(p_o - p_e) / (1 - p_e)``;
- per class, positive percent agreement (PPA: of the cells the person put in the class,
  the share the model had put there too) and negative percent agreement (NPA: of the
  cells the person put elsewhere, the share the model also put elsewhere).

Rejected cells (not a cell, unusable) have no class and are left out; so are cells
still awaiting a decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Agreement", "ClassAgreement", "agreement_of"]


@dataclass(frozen=True, slots=True)
class ClassAgreement:
    """PPA and NPA of one class (``None`` where the denominator is empty)."""

    code: str
    reviewer_positive: int
    model_positive: int
    both_positive: int
    ppa: float | None
    npa: float | None


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement between the model and people over a set of decided cells."""

    pairs: int
    agreed: int
    overall: float | None
    kappa: float | None
    classes: tuple[ClassAgreement, ...]


def agreement_of(pairs: Iterable[tuple[str, str]]) -> Agreement:
    """Agreement of ``(model_code, reviewer_code)`` pairs."""
    items = list(pairs)
    n = len(items)
    if n == 0:
        return Agreement(0, 0, None, None, ())
    agreed = sum(1 for model, person in items if model == person)
    model_counts = Counter(model for model, _ in items)
    person_counts = Counter(person for _, person in items)
    both = Counter(model for model, person in items if model == person)
    p_observed = agreed / n
    p_chance = sum(model_counts[c] * person_counts[c] for c in person_counts) / (n * n)
    if p_chance < 1.0:
        kappa: float | None = (p_observed - p_chance) / (1.0 - p_chance)
    else:  # one class only, for both raters: agreement is total, kappa undefined
        kappa = None
    classes = []
    for code in sorted(set(model_counts) | set(person_counts)):
        positive, model_positive, hits = person_counts[code], model_counts[code], both[code]
        negative = n - positive
        true_negative = negative - (model_positive - hits)
        classes.append(
            ClassAgreement(
                code=code,
                reviewer_positive=positive,
                model_positive=model_positive,
                both_positive=hits,
                ppa=hits / positive if positive else None,
                npa=true_negative / negative if negative else None,
            )
        )
    return Agreement(n, agreed, p_observed, kappa, tuple(classes))
