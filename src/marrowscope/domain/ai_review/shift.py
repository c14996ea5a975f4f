"""When a slide's cells look unlike the model's training images, the model abstains.

One odd cell is an artefact or a rare type; many are a sign that the slide is not what
the model knows: another stain or scanner, another magnification, or marrow precursors
shown to a model trained on healthy peripheral blood. On such slides the classifier is
confidently wrong (a normal blood film proposed as 44 % eosinophils), so no AI
differential is proposed at all: every cell is offered to a person to classify, and the
reason is shown on the page, printed by ``analyze`` and carried by the report.

A cell is *odd* when it is unfamiliar (distance in the model's feature space beyond
the 99.5 % quantile of its own validation cells) or when the classifier contradicts the
detector (a detector's white cell called a platelet). Odd cells are pooled per slide
with a one-sided binomial test: a slide is marked when ``k`` odd cells of ``n`` would be
rarer than ``SHIFT_ALPHA`` if each cell were odd at the rate the classifier's own
laboratory shows, and at least ``SHIFT_MIN_CELLS`` are. That rate depends on how the
cell reached the model: ``SHIFT_CELL_RATE`` for cells the detector cut from fields
(1.8 % measured on PBC's own TXL-PBC fields since field cells are framed by the red-cell
ruler; 16.3 % when the frame followed each white cell's box), ``SHIFT_CROP_RATE`` for
single-cell images a lab uploads (0.7 % of the classifier's held-out PBC crops are
unfamiliar); each about twice what was measured. Field cells and uploaded crops of a
slide are tested apart, and either may make the model abstain. A fixed share (the
earlier rule: 3 unfamiliar cells and 20 %) cried wolf on small slides, where 3 of 10
happens by chance (22 % of 10-field PBC slides); the test's bar rises as the slide
shrinks.

Calibrated on two sources of TXL-PBC fields (PBC for false alarms, Raabin-WBC for
misses) and measured on BCCD fields it was not tuned on: ``benchmarks/unfamiliar_slides.py``;
figures in docs/model_card.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import exp, fsum, lgamma, log, log1p

from marrowscope.domain.ai_review.calls import CellCall
from marrowscope.domain.ai_review.contradiction import contradicts_detector

__all__ = [
    "SHIFT_ALPHA",
    "SHIFT_CELL_RATE",
    "SHIFT_CROP_RATE",
    "SHIFT_MIN_CELLS",
    "SlideShift",
    "shift_expected",
    "slide_shift",
]

SHIFT_CELL_RATE = 0.04  # odd cells among detector crops of PBC's own fields: 1.8 % measured
SHIFT_CROP_RATE = 0.02  # unfamiliar among the classifier's held-out PBC crops: 0.7 % measured
SHIFT_ALPHA = 0.01  # a slide like the training data is marked by chance at most this often
SHIFT_MIN_CELLS = 3


def _tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), 0 < p < 1, summed in log space.

    ``comb(n, i) * p**i`` overflows a float from about a thousand cells (a folder of
    crops, a large scan), so each term is ``exp`` of its logarithm.
    """
    log_p, log_q = log(p), log1p(-p)
    head = lgamma(n + 1)
    return fsum(
        exp(head - lgamma(i + 1) - lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        for i in range(k, n + 1)
    )


def shift_expected(odd: int, total: int, rate: float = SHIFT_CELL_RATE) -> bool:
    """``odd`` of ``total`` cells is too many for a slide like the training data.

    ``rate``: how often a cell of the model's own laboratory is odd, for the way these
    cells reached the model (``SHIFT_CELL_RATE`` from fields, ``SHIFT_CROP_RATE`` crops).
    """
    if total <= 0 or odd < SHIFT_MIN_CELLS:
        return False
    return _tail(odd, total, rate) < SHIFT_ALPHA


@dataclass(frozen=True, slots=True)
class SlideShift:
    """A slide whose cells look unlike the training data: the model abstains on it."""

    slide_label: str
    unfamiliar: int  # odd cells: unfamiliar, or contradicting the detector
    total: int

    @property
    def reason(self) -> str:
        """Why the model abstains, in one clause."""
        return (
            f"{self.unfamiliar} of {self.total} cells look unlike the images the model was "
            "trained on or contradict the cell detector (another stain, scanner or "
            "magnification, or marrow cells shown to a model trained on peripheral blood)"
        )

    @property
    def message(self) -> str:
        return (
            f"Slide {self.slide_label}: {self.reason}. No AI differential is proposed for "
            "this slide: classify every cell yourself."
        )


def slide_shift(slide_label: str, calls: Iterable[CellCall]) -> SlideShift | None:
    """The abstention for one slide's cells, or None when they look like the training data."""
    mine = [c for c in calls if c.slide_label == slide_label]
    odd = sum(1 for c in mine if _odd(c))
    fields = [c for c in mine if c.origin is not None]
    crops = [c for c in mine if c.origin is None]
    for group, rate in ((fields, SHIFT_CELL_RATE), (crops, SHIFT_CROP_RATE)):
        if shift_expected(sum(1 for c in group if _odd(c)), len(group), rate):
            return SlideShift(slide_label, odd, len(mine))
    return None


def _odd(call: CellCall) -> bool:
    contradiction = call.origin is not None and contradicts_detector(call.model.code)
    return call.model.unfamiliar or contradiction
