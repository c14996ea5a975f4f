"""IMWG 2014 plasma cell neoplasm candidates: MGUS, smouldering and active multiple myeloma.

Rajkumar et al., Lancet Oncol 2014;15:e538. Each criterion is met, not met or unknown;
a category is offered while it is still possible. Precedence runs active myeloma ->
smouldering myeloma -> MGUS: once one is met the lower ones are not offered, and a result
that could still make a higher one met is listed as missing on every lower candidate, so
that no candidate looks settled while a more advanced category is open. MGUS asks for the
absence of CRAB features and amyloidosis, as the paper words it (a SLiM biomarker without
>= 10 % plasma cells or a plasmacytoma does not make myeloma).

Not covered: IgM and light-chain MGUS, solitary plasmacytoma, plasma cell leukaemia, AL
amyloidosis and POEMS as categories; the isotype requirement of SMM (IgG or IgA); whether
CRAB features are attributable to the plasma cell disorder (a clinical judgement: the
values given are taken as attributable).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from marrowscope.domain.diagnosis.findings import (
    Candidate,
    Criterion,
    CriterionStatus,
    MissingResult,
)
from marrowscope.domain.diagnosis.risk.myeloma_logic import (
    Tri,
    all_of,
    any_of,
    known,
    negate,
    unknown,
)
from marrowscope.domain.errors import InvalidMeasurement
from marrowscope.domain.tables import load_table

__all__ = ["MGUS", "MULTIPLE_MYELOMA", "SMOULDERING", "PlasmaCellFindings", "imwg2014_candidates"]

SYSTEM = "IMWG 2014"
MULTIPLE_MYELOMA = "Multiple myeloma"
SMOULDERING = "Smouldering multiple myeloma"
MGUS = "Monoclonal gammopathy of undetermined significance (non-IgM)"


@dataclass(frozen=True)
class PlasmaCellFindings:
    """What the IMWG 2014 criteria ask for; None where the result was not given.

    ``biopsy_proven_plasmacytoma`` and ``amyloidosis`` default to False: both are
    diagnoses that would be recorded when made, not laboratory values awaiting a result.
    ``osteolytic_lesions_count`` counts lesions on skeletal radiography, CT or PET-CT;
    ``mri_focal_lesions_count`` counts MRI focal lesions of at least 5 mm.
    """

    clonal_bm_plasma_cells_percent: float | None = None
    serum_m_protein_g_per_l: float | None = None
    urine_m_protein_mg_per_24h: float | None = None
    biopsy_proven_plasmacytoma: bool = False
    amyloidosis: bool = False
    calcium_mmol_per_l: float | None = None
    calcium_uln_mmol_per_l: float | None = None
    creatinine_clearance_ml_per_min: float | None = None
    creatinine_umol_per_l: float | None = None
    haemoglobin_g_per_l: float | None = None
    haemoglobin_lln_g_per_l: float | None = None
    osteolytic_lesions_count: int | None = None
    involved_flc_mg_per_l: float | None = None
    uninvolved_flc_mg_per_l: float | None = None
    mri_focal_lesions_count: int | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise InvalidMeasurement(f"{f.name} cannot be negative (got {value})")
        pc = self.clonal_bm_plasma_cells_percent
        if pc is not None and pc > 100:
            raise InvalidMeasurement(f"clonal_bm_plasma_cells_percent above 100 (got {pc})")


_MDE = (
    "crab_calcium",
    "crab_renal",
    "crab_anaemia",
    "crab_bone",
    "slim_bmpc",
    "slim_flc",
    "slim_mri",
)

_INPUTS = {
    "bmpc": "Clonal bone marrow plasma cells (%)",
    "serum_m": "Serum M-protein (g/L)",
    "urine_m": "Urine M-protein (mg/24 h)",
    "calcium": "Serum calcium (mmol/L)",
    "calcium_uln": "Upper limit of normal of serum calcium (mmol/L)",
    "renal": "Creatinine clearance (mL/min) or serum creatinine (umol/L)",
    "hb": "Haemoglobin (g/L)",
    "hb_lln": "Lower limit of normal of haemoglobin (g/L)",
    "bone": "Skeletal imaging for osteolytic lesions (radiography, CT or PET-CT)",
    "flc": "Serum free light chains (involved and uninvolved, mg/L)",
    "mri": "MRI for focal lesions (>= 5 mm)",
}


def _ge(value: float | None, cut: float, key: str) -> Tri:
    return unknown(key) if value is None else known(value >= cut)


def _lt(value: float | None, cut: float, key: str) -> Tri:
    return unknown(key) if value is None else known(value < cut)


def _gt(value: float | None, cut: float, key: str) -> Tri:
    return unknown(key) if value is None else known(value > cut)


def _calcium(f: PlasmaCellFindings, t: dict[str, Any]) -> Tri:
    ca, uln = f.calcium_mmol_per_l, f.calcium_uln_mmol_per_l
    absolute = _gt(ca, t["calcium_gt_mmol_per_l"], "calcium")
    if ca is None or uln is None:
        relative = unknown("calcium" if ca is None else "calcium_uln")
    else:
        relative = known(round(ca - uln, 6) > t["calcium_above_uln_gt_mmol_per_l"])
    return any_of(absolute, relative)


def _anaemia(f: PlasmaCellFindings, t: dict[str, Any]) -> Tri:
    hb, lln = f.haemoglobin_g_per_l, f.haemoglobin_lln_g_per_l
    absolute = _lt(hb, t["haemoglobin_lt_g_per_l"], "hb")
    if hb is None or lln is None:
        relative = unknown("hb" if hb is None else "hb_lln")
    else:
        relative = known(round(lln - hb, 6) > t["haemoglobin_below_lln_gt_g_per_l"])
    return any_of(absolute, relative)


def _flc(f: PlasmaCellFindings, t: dict[str, Any]) -> Tri:
    inv, uninv = f.involved_flc_mg_per_l, f.uninvolved_flc_mg_per_l
    if inv is not None and inv < t["involved_flc_ge_mg_per_l"]:
        return known(False)
    if inv is None or uninv is None:
        return unknown("flc")
    ratio_met = uninv == 0 or round(inv / uninv, 6) >= t["flc_ratio_ge"]
    return known(ratio_met)


def _fmt(value: object, unit: str = "") -> str | None:
    if value is None:
        return None
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {unit}".rstrip()


def imwg2014_candidates(f: PlasmaCellFindings) -> tuple[Candidate, ...]:
    """Plasma cell neoplasm categories still possible under IMWG 2014, most advanced first.

    An empty tuple means no category fits (e.g. no M-protein and < 10 % plasma cells).
    """
    table = load_table("myeloma")
    src: str = table["sources"]["IMWG2014"]
    imwg = table["imwg2014"]
    pcs, mp, crab, slim = imwg["clonal_bmpc"], imwg["m_protein"], imwg["crab"], imwg["slim"]
    bmpc = f.clonal_bm_plasma_cells_percent
    ratio = (
        None
        if f.involved_flc_mg_per_l is None or not f.uninvolved_flc_mg_per_l
        else f.involved_flc_mg_per_l / f.uninvolved_flc_mg_per_l
    )

    rows: dict[str, tuple[str, Tri, str | None]] = {
        "bmpc_ge_10": (
            "Clonal bone marrow plasma cells >= 10 %",
            _ge(bmpc, pcs["myeloma_ge_percent"], "bmpc"),
            _fmt(bmpc, "%"),
        ),
        "plasmacytoma": (
            "Biopsy-proven bony or extramedullary plasmacytoma",
            known(f.biopsy_proven_plasmacytoma),
            None,
        ),
        "crab_calcium": (
            "Hypercalcaemia: calcium > 0.25 mmol/L above the upper limit of normal or "
            "> 2.75 mmol/L",
            _calcium(f, crab),
            _fmt(f.calcium_mmol_per_l, "mmol/L"),
        ),
        "crab_renal": (
            "Renal insufficiency: creatinine clearance < 40 mL/min or creatinine > 177 umol/L",
            any_of(
                _lt(
                    f.creatinine_clearance_ml_per_min,
                    crab["creatinine_clearance_lt_ml_per_min"],
                    "renal",
                ),
                _gt(f.creatinine_umol_per_l, crab["creatinine_gt_umol_per_l"], "renal"),
            ),
            _fmt(f.creatinine_clearance_ml_per_min, "mL/min"),
        ),
        "crab_anaemia": (
            "Anaemia: haemoglobin > 20 g/L below the lower limit of normal or < 100 g/L",
            _anaemia(f, crab),
            _fmt(f.haemoglobin_g_per_l, "g/L"),
        ),
        "crab_bone": (
            "Bone lesions: >= 1 osteolytic lesion on skeletal radiography, CT or PET-CT",
            _ge(f.osteolytic_lesions_count, crab["osteolytic_lesions_ge"], "bone"),
            _fmt(f.osteolytic_lesions_count),
        ),
        "slim_bmpc": (
            "Clonal bone marrow plasma cells >= 60 %",
            _ge(bmpc, pcs["slim_ge_percent"], "bmpc"),
            _fmt(bmpc, "%"),
        ),
        "slim_flc": (
            "Involved:uninvolved serum free light chain ratio >= 100 with involved FLC >= 100 mg/L",
            _flc(f, slim),
            None
            if ratio is None
            else f"ratio {ratio:.4g}, involved {f.involved_flc_mg_per_l:g} mg/L",
        ),
        "slim_mri": (
            "> 1 focal lesion (>= 5 mm) on MRI",
            _gt(f.mri_focal_lesions_count, slim["mri_focal_lesions_gt"], "mri"),
            _fmt(f.mri_focal_lesions_count),
        ),
        "smm_m_protein": (
            "Serum M-protein >= 30 g/L or urine M-protein >= 500 mg/24 h",
            any_of(
                _ge(f.serum_m_protein_g_per_l, mp["smouldering_serum_ge_g_per_l"], "serum_m"),
                _ge(f.urine_m_protein_mg_per_24h, mp["smouldering_urine_ge_mg_per_24h"], "urine_m"),
            ),
            _fmt(f.serum_m_protein_g_per_l, "g/L"),
        ),
        "smm_bmpc": (
            "Clonal bone marrow plasma cells 10 to < 60 %",
            all_of(
                _ge(bmpc, pcs["smouldering_ge_percent"], "bmpc"),
                _lt(bmpc, pcs["smouldering_lt_percent"], "bmpc"),
            ),
            _fmt(bmpc, "%"),
        ),
        "mgus_m_protein": (
            "Serum M-protein present and < 30 g/L",
            all_of(
                _gt(f.serum_m_protein_g_per_l, 0, "serum_m"),
                _lt(f.serum_m_protein_g_per_l, mp["mgus_serum_lt_g_per_l"], "serum_m"),
            ),
            _fmt(f.serum_m_protein_g_per_l, "g/L"),
        ),
        "mgus_bmpc": (
            "Clonal bone marrow plasma cells < 10 %",
            _lt(bmpc, pcs["mgus_lt_percent"], "bmpc"),
            _fmt(bmpc, "%"),
        ),
        "amyloidosis": ("Amyloidosis", known(f.amyloidosis), None),
    }
    t = {k: tri for k, (_, tri, _) in rows.items()}
    crab_any = any_of(t["crab_calcium"], t["crab_renal"], t["crab_anaemia"], t["crab_bone"])
    mde = any_of(crab_any, t["slim_bmpc"], t["slim_flc"], t["slim_mri"])
    rows["mde"] = ("Any myeloma-defining event (CRAB or SLiM)", mde, None)
    rows["crab"] = ("Any CRAB feature", crab_any, None)

    plans = (
        (
            MULTIPLE_MYELOMA,
            ("bmpc_ge_10", "plasmacytoma", *_MDE, "mde"),
            all_of(any_of(t["bmpc_ge_10"], t["plasmacytoma"]), mde),
            "Consistent with multiple myeloma (IMWG 2014).",
        ),
        (
            SMOULDERING,
            ("smm_m_protein", "smm_bmpc", "mde", "amyloidosis"),
            all_of(
                any_of(t["smm_m_protein"], t["smm_bmpc"]), negate(mde), negate(t["amyloidosis"])
            ),
            "Consistent with smouldering multiple myeloma (IMWG 2014).",
        ),
        (
            MGUS,
            ("mgus_m_protein", "mgus_bmpc", "crab", "amyloidosis"),
            all_of(t["mgus_m_protein"], t["mgus_bmpc"], negate(crab_any), negate(t["amyloidosis"])),
            "Consistent with non-IgM MGUS (IMWG 2014).",
        ),
    )
    out: list[Candidate] = []
    higher: dict[str, str] = {}
    for name, ids, tri, wording in plans:
        if tri.status is CriterionStatus.NOT_MET:
            continue
        own = {k: f"decides whether the criteria of {name.lower()} are met" for k in tri.needs}
        missing = {**higher, **{k: v for k, v in own.items() if k not in higher}}
        criteria = tuple(
            Criterion(f"imwg2014.{i}", rows[i][0], rows[i][1].status, rows[i][2], src) for i in ids
        )
        out.append(
            Candidate(
                SYSTEM,
                name,
                wording,
                criteria,
                tuple(MissingResult(_INPUTS[k], v) for k, v in sorted(missing.items())),
            )
        )
        if tri.status is CriterionStatus.MET:
            break
        for k in tri.needs:
            higher.setdefault(k, f"could make the category {name.lower()}")
    return tuple(out)
