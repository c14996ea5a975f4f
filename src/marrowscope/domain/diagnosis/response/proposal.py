"""The response a repeat marrow is consistent with: the disease from the earlier
examinations, its table's inputs, and the assessment."""

from __future__ import annotations

from collections.abc import Sequence

from marrowscope.domain.diagnosis.response.criteria import ResponseAssessment, assess
from marrowscope.domain.diagnosis.response.examination import (
    Examination,
    aml_inputs,
    myeloma_inputs,
    prior_diagnosis,
)

__all__ = ["propose_response"]


def propose_response(current: Examination, earlier: Sequence[Examination]) -> ResponseAssessment:
    """ELN 2022 (AML) or IMWG 2016 (myeloma) for ``current``; ``earlier`` in time order.

    Raises ``NotAllowed`` when no earlier examination holds a diagnosis of either.
    """
    disease, _diagnosed = prior_diagnosis(earlier)
    inputs = aml_inputs(current, earlier) if disease == "aml" else myeloma_inputs(current, earlier)
    return assess(disease, inputs)
