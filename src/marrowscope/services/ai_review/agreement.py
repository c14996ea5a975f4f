"""The running quality check: how often reviewers agree with the model, per case and person.

Read from the cells' own records (the model's call is never overwritten by a decision),
so the figures can be recomputed at any time and exported for the lab's quality file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from marrowscope.domain.ai_review import Agreement, CellCall, agreement_of
from marrowscope.domain.roles import Actor
from marrowscope.services.ai_review.calls import calls_for_case
from marrowscope.services.ai_review.ports import ReviewStores
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["CaseAgreement", "agreement_csv", "case_agreement"]


@dataclass(frozen=True, slots=True)
class CaseAgreement:
    """Agreement over the whole case, and for each person who decided cells of it."""

    overall: Agreement
    by_reviewer: tuple[tuple[str, Agreement], ...]


def _pairs(calls: Sequence[CellCall]) -> list[tuple[str, str]]:
    return [
        (c.model.code.value, c.final_code.value)
        for c in calls
        if c.final_code is not None and c.decided
    ]


def case_agreement(
    uow: UnitOfWork, stores: ReviewStores, actor: Actor, case_id: int
) -> CaseAgreement:
    """Model-reviewer agreement over the case's decided cells."""
    calls = calls_for_case(uow, stores, actor, case_id)
    people = sorted({c.decided_by for c in calls if c.decided_by})
    return CaseAgreement(
        overall=agreement_of(_pairs(calls)),
        by_reviewer=tuple(
            (person, agreement_of(_pairs([c for c in calls if c.decided_by == person])))
            for person in people
        ),
    )


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def agreement_csv(result: CaseAgreement) -> str:
    """One row per (scope, class): overall agreement and kappa, then PPA and NPA per class."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "scope",
            "cells",
            "overall_agreement",
            "cohen_kappa",
            "class",
            "reviewer_n",
            "model_n",
            "both_n",
            "ppa",
            "npa",
        ]
    )
    for scope, agreement in (("case", result.overall), *result.by_reviewer):
        writer.writerow(
            [
                scope,
                agreement.pairs,
                _fmt(agreement.overall),
                _fmt(agreement.kappa),
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
        for c in agreement.classes:
            writer.writerow(
                [
                    scope,
                    agreement.pairs,
                    "",
                    "",
                    c.code,
                    c.reviewer_positive,
                    c.model_positive,
                    c.both_positive,
                    _fmt(c.ppa),
                    _fmt(c.npa),
                ]
            )
    return out.getvalue()
