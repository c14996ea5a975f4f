"""When a repeat examination is a duplicate: the same indication ordered twice on one day.

A patient may hold any number of cases (diagnosis, after induction, before transplant),
but two open cases of one patient, opened on the same calendar day for the same
indication, are almost always one request entered twice; the second would split the
specimens, results and report of one marrow between two cases. The clinician is told
which case already holds that indication, so they can order there or close it first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from marrowscope.domain.errors import Conflict
from marrowscope.domain.pathway.indication import Indication, indication_label

__all__ = ["OpenOrder", "refuse_same_day_repeat"]


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """Another open case of the same patient: its number, the day it was opened and the
    indications its current order names."""

    case_id: int
    opened_on: date
    indications: frozenset[Indication]


def refuse_same_day_repeat(
    indications: Iterable[Indication], opened_on: date, others: Iterable[OpenOrder]
) -> None:
    """Raise ``Conflict`` when another open case opened on ``opened_on`` already orders
    one of ``indications``; the message names the indication and that case."""
    wanted = set(indications)
    for other in sorted(others, key=lambda o: o.case_id):
        shared = sorted(wanted & other.indications, key=lambda i: i.value)
        if other.opened_on == opened_on and shared:
            names = ", ".join(indication_label(i).lower() for i in shared)
            raise Conflict(
                f"indications: {names} is already ordered on case {other.case_id}, opened "
                f"the same day for this patient; order there, or close that case first"
            )
