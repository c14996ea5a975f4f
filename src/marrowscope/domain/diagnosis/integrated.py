"""Every engine run once on one case's findings: candidates, risk groups, what is missing.

The classification engines (WHO 2022, ICC 2022, IMWG 2014) and the risk scores (ELN 2022,
IPSS-R/IPSS-RA, IPSS-M, R-ISS, R2-ISS) each explain themselves; this module decides which
of them apply to the case and gathers what is still missing across all of them, so the
pathologist sees one panel. A score is run only where it is defined: ELN 2022 for AML,
IPSS-R and IPSS-M for MDS, R-ISS and R2-ISS for myeloma. Nothing here is a diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.domain.diagnosis.classification import DiagnosticFindings, classify
from marrowscope.domain.diagnosis.findings import (
    Candidate,
    MissingResult,
    RiskResult,
)
from marrowscope.domain.diagnosis.risk.eln2022 import eln2022_risk
from marrowscope.domain.diagnosis.risk.ipssm import ipssm
from marrowscope.domain.diagnosis.risk.ipssr import IpssrInputs, ipssr, ipssra
from marrowscope.domain.diagnosis.risk.myeloma import (
    MULTIPLE_MYELOMA,
    MyelomaStagingFindings,
    PlasmaCellFindings,
    imwg2014_candidates,
    r2iss_stage,
    riss_stage,
)
from marrowscope.domain.diagnosis.risk_inputs import ipssm_inputs

__all__ = ["DiagnosisInputs", "IntegratedDiagnosis", "integrate"]


@dataclass(frozen=True)
class DiagnosisInputs:
    """Everything the engines read for one case; ``notes`` says what could not be read."""

    findings: DiagnosticFindings
    age_years: float | None = None
    plasma: PlasmaCellFindings | None = None
    staging: MyelomaStagingFindings | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntegratedDiagnosis:
    """The panel: candidates per system, the risk groups that apply, and the gaps."""

    candidates: tuple[Candidate, ...]
    risks: tuple[RiskResult, ...]
    missing: tuple[MissingResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def settled(self) -> bool:
        """True only when no candidate and no risk group waits for a missing result."""
        return (
            bool(self.candidates) and not self.missing and all(c.settled for c in self.candidates)
        )

    def grouped_missing(self) -> tuple[MissingResult, ...]:
        """The missing results, those that would change the same thing named together.

        IPSS-M lists each untested gene with the same spread of scores; a reader wants one
        line ("ASXL1, RUNX1, ... results: could change IPSS-M from ... to ...").
        """
        groups: dict[str, list[str]] = {}
        for item in self.missing:
            groups.setdefault(item.could_change, []).append(item.what)
        return tuple(MissingResult(", ".join(whats), change) for change, whats in groups.items())

    def proposal(self) -> dict[str, str]:
        """Report field texts proposed from the panel; the pathologist edits and signs them."""
        by_system = {c.system: c for c in self.candidates}
        out: dict[str, str] = {}
        for system, key in (("WHO 2022", "who_2022"), ("ICC 2022", "icc_2022")):
            candidate = by_system.get(system)
            if candidate is not None:
                out[key] = _candidate_text(candidate)
        plasma = [c for c in self.candidates if c.system == "IMWG 2014"]
        if plasma:
            out["plasma_cell_neoplasm"] = _candidate_text(plasma[0])
        risks = [_risk_text(r) for r in self.risks]
        if risks:
            out["risk_scores"] = "; ".join(risks)
        if self.missing:
            out["diagnosis_missing"] = "; ".join(
                f"{m.what} (could change: {m.could_change})" for m in self.grouped_missing()
            )
        return out


def _candidate_text(candidate: Candidate) -> str:
    text = f"{candidate.name}"
    if candidate.qualifiers:
        text += f" ({', '.join(candidate.qualifiers)})"
    return text if candidate.settled else f"{text} [not settled: results missing]"


def _risk_text(risk: RiskResult) -> str:
    if risk.category is None:
        return f"{risk.system}: not settled"
    score = "" if risk.score is None else f", score {risk.score:g}"
    return f"{risk.system}: {risk.category}{score}"


def _is_aml(candidate: Candidate) -> bool:
    name = candidate.name
    return name.startswith("AML") or "acute myeloid" in name.lower() or "MDS/AML" in name


def _is_mds(candidate: Candidate) -> bool:
    name = candidate.name
    return (name.startswith("MDS") or "myelodysplastic" in name.lower()) and not _is_aml(candidate)


def _plasma_workup(inputs: DiagnosisInputs) -> bool:
    """IMWG applies when a plasma cell work-up was done or plasma cells are increased."""
    plasma = inputs.plasma
    if plasma is None:
        return False
    given = [
        plasma.serum_m_protein_g_per_l,
        plasma.urine_m_protein_mg_per_24h,
        plasma.involved_flc_mg_per_l,
    ]
    clonal = plasma.clonal_bm_plasma_cells_percent
    return any(v is not None for v in given) or (clonal is not None and clonal >= 10.0)


def integrate(inputs: DiagnosisInputs) -> IntegratedDiagnosis:
    """Run the engines that apply to ``inputs`` and gather their missing results."""
    findings = inputs.findings
    candidates = list(classify(findings))
    risks: list[RiskResult] = []
    if any(_is_aml(c) for c in candidates):
        risks.append(eln2022_risk(findings.karyotype, findings.variants, findings.genes_tested))
    if any(_is_mds(c) for c in candidates):
        karyotype = findings.karyotype
        ipssr_in = IpssrInputs(
            cytogenetics=karyotype.ipssr_group if karyotype is not None else None,
            bm_blasts_percent=findings.blasts_percent_marrow,
            hb_g_dl=findings.haemoglobin_g_per_dl,
            plt_per_nl=findings.platelets_10e9_per_l,
            anc_per_nl=findings.anc_10e9_per_l,
            age_years=inputs.age_years,
        )
        risks.append(ipssr(ipssr_in))
        risks.append(ipssra(ipssr_in))
        risks.append(ipssm(ipssm_inputs(findings)))
    if _plasma_workup(inputs) and inputs.plasma is not None:
        plasma_candidates = imwg2014_candidates(inputs.plasma)
        candidates.extend(plasma_candidates)
        if any(c.name == MULTIPLE_MYELOMA for c in plasma_candidates):
            staging = inputs.staging or MyelomaStagingFindings()
            risks.extend((riss_stage(staging), r2iss_stage(staging)))
    missing: dict[str, MissingResult] = {}
    for item in [
        *(m for c in candidates for m in c.missing),
        *(m for r in risks for m in r.missing),
    ]:
        missing.setdefault(item.what, item)
    return IntegratedDiagnosis(
        tuple(candidates), tuple(risks), tuple(missing.values()), inputs.notes
    )
