"""What the pathologist must see, and confirm, before a report is signed out.

A signed report cannot be changed, only amended; so sign-out stops at three conditions
that are allowed but easy to miss: a differential smaller than the ICSH minimum (500
nucleated cells; table ``differential``), tests that are still pending or resulted but
not verified (the report will need a supplementary version), and cells that the AI
pre-classified but no person has decided (they are not in the count yet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marrowscope.domain.counting.differential import adequacy_of
from marrowscope.domain.errors import NotAllowed

__all__ = ["SignoutWarning", "UnconfirmedWarnings", "require_confirmation", "signout_warnings"]


class UnconfirmedWarnings(NotAllowed):
    """Sign-out was asked while warnings stood and nobody confirmed reading them."""


@dataclass(frozen=True, slots=True)
class SignoutWarning:
    """One reason to pause: a stable code (for tests and the API) and a sentence."""

    code: str
    message: str


def signout_warnings(
    nucleated_cells: int, pending: Sequence[str], undecided_ai_cells: int
) -> tuple[SignoutWarning, ...]:
    """The warnings for a report whose differential has ``nucleated_cells`` cells."""
    out = []
    adequacy = adequacy_of(nucleated_cells)
    if nucleated_cells == 0:
        out.append(SignoutWarning("small_count", "No differential count is attached."))
    elif not adequacy.adequate:
        out.append(
            SignoutWarning(
                "small_count",
                f"Only {nucleated_cells} nucleated cells were counted; ICSH 2008 recommends "
                f"at least {adequacy.adequate_cells}.",
            )
        )
    if pending:
        out.append(
            SignoutWarning(
                "tests_pending",
                "Tests still pending or not verified: "
                + ", ".join(pending)
                + ". A supplementary report (addendum) will be needed.",
            )
        )
    if undecided_ai_cells:
        out.append(
            SignoutWarning(
                "ai_undecided",
                f"{undecided_ai_cells} AI-proposed cell(s) have no person's decision and are "
                "not in the count.",
            )
        )
    return tuple(out)


def require_confirmation(warnings: Sequence[SignoutWarning], confirmed: bool) -> None:
    """Refuse sign-out while warnings stand unconfirmed (``NotAllowed``)."""
    if warnings and not confirmed:
        raise UnconfirmedWarnings(
            "sign-out: confirm that you have read the warnings: "
            + " ".join(w.message for w in warnings)
        )
