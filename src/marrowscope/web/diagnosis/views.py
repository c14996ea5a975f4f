"""The integrated-diagnosis panel as JSON, and as the text a report keeps of the proposal."""

from __future__ import annotations

from typing import Any

from marrowscope.domain.diagnosis.findings import Candidate, Criterion, MissingResult, RiskResult
from marrowscope.domain.diagnosis.integrated import IntegratedDiagnosis

__all__ = ["candidate_json", "diagnosis_json", "proposal_text"]


def _criterion(c: Criterion) -> dict[str, Any]:
    return {
        "id": c.id,
        "text": c.text,
        "status": c.status.value,
        "value": c.value,
        "source": c.source,
    }


def _missing(m: MissingResult) -> dict[str, str]:
    return {"what": m.what, "could_change": m.could_change}


def _candidate(c: Candidate) -> dict[str, Any]:
    return {
        "system": c.system,
        "name": c.name,
        "wording": c.wording,
        "settled": c.settled,
        "qualifiers": list(c.qualifiers),
        "criteria": [_criterion(k) for k in c.criteria],
        "missing": [_missing(m) for m in c.missing],
    }


def candidate_json(c: Candidate) -> dict[str, Any]:
    """One candidate with its criteria and what is missing (also a response category)."""
    return _candidate(c)


def _risk(r: RiskResult) -> dict[str, Any]:
    return {
        "system": r.system,
        "category": r.category,
        "score": r.score,
        "settled": r.category is not None and not r.missing,
        "source": r.source,
        "alternatives": [{"name": n, "score": s, "category": c} for n, s, c in r.alternatives],
        "criteria": [_criterion(k) for k in r.criteria],
        "missing": [_missing(m) for m in r.missing],
    }


def diagnosis_json(diagnosis: IntegratedDiagnosis) -> dict[str, Any]:
    """What ``GET /api/cases/{id}/diagnosis`` answers: candidates, risks, missing, trace."""
    return {
        "decision_support": True,
        "settled": diagnosis.settled,
        "candidates": [_candidate(c) for c in diagnosis.candidates],
        "risks": [_risk(r) for r in diagnosis.risks],
        "missing": [_missing(m) for m in diagnosis.missing],
        "notes": list(diagnosis.notes),
        "proposal": diagnosis.proposal(),
    }


def proposal_text(diagnosis: IntegratedDiagnosis) -> str:
    """The whole proposal in one paragraph, kept in the report beside what is signed."""
    lines = [f"{c.system}: {c.wording}" for c in diagnosis.candidates]
    for risk in diagnosis.risks:
        if risk.category is None:
            spread = ", ".join(f"{n} {c or '?'}" for n, _, c in risk.alternatives)
            lines.append(f"{risk.system}: not settled" + (f" ({spread})" if spread else ""))
        else:
            score = "" if risk.score is None else f" (score {risk.score:g})"
            lines.append(f"{risk.system}: {risk.category}{score}")
    lines.extend(diagnosis.notes)
    return " | ".join(lines)
