"""Allergies against the agents the plan uses: by agent, class and family, not by words.

An allergy to bupivacaine bears on lidocaine (both amides: stop) but not on procaine (an
ester: proceed, with a named precaution); povidone-iodine, Betadine and iodine tincture
are one family; an allergy to midazolam bears on the benzodiazepine planned, not on
"sedation" as a whole. Which pairs cross-react, and how seriously, is data
(``[cross_reactivity]`` of ``tables/preprocedure_agents.toml``) with its sources. A name
the table does not know is never taken for another: the finding asks which agent it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.pathway.safety.agents import (
    Category,
    Kind,
    Named,
    category_label,
    class_label,
    resolve,
)
from marrowscope.domain.pathway.safety.model import (
    Assessment,
    Plan,
    SafetyFinding,
    Sedation,
    Severity,
)
from marrowscope.domain.tables import load_table

__all__ = ["allergy_rules", "planned_agents"]

_T = load_table("preprocedure_agents")
_X = _T["cross_reactivity"]


@dataclass(frozen=True, slots=True)
class _Slot:
    """One agent of the plan as written, and what it resolved to (empty: unknown)."""

    field: str
    text: str
    named: tuple[Named, ...]


def _slot(field: str, text: str, category: Category) -> _Slot:
    named = resolve(text)
    label = category_label(category)
    for n in named:
        if n.category is None:  # an allergen the procedure does not use, or latex
            raise InvalidInput(f"{field}: {text!r} is not a {label}")
        if n.category is not category:
            raise InvalidInput(
                f"{field}: {text!r} is a {category_label(n.category)}, not a {label}"
            )
    usable = tuple(n for n in named if n.kind is not Kind.CATEGORY)
    return _Slot(field, text, usable)


def planned_agents(plan: Plan) -> dict[Category, list[_Slot]]:
    """The plan's agents by category; a sedative counts only when sedation is planned.
    A name of the wrong category ("chlorhexidine" as the local anaesthetic) is refused."""
    slots = {
        Category.LOCAL_ANAESTHETIC: [
            _slot("local_anaesthetic", plan.local_anaesthetic, Category.LOCAL_ANAESTHETIC)
        ],
        Category.ANTISEPTIC: [_slot("antiseptic", plan.antiseptic, Category.ANTISEPTIC)],
        Category.SEDATIVE: [_slot("sedatives", s, Category.SEDATIVE) for s in plan.sedatives],
    }
    if plan.sedation is Sedation.LOCAL:
        slots[Category.SEDATIVE] = []
    return slots


def _finding(
    category: Category, severity: Severity, message: str, source: str, **details: Any
) -> SafetyFinding:
    return SafetyFinding(f"allergy.{category.value}", severity, message, source, details)


def _pair(allergy_class: str, planned_class: str) -> dict[str, Any] | None:
    for row in _X["pairs"]:
        if row["allergy"] == allergy_class and row["planned"] == planned_class:
            return dict(row)
    return None


def _words(n: Named, text: str) -> str:
    if n.classes and n.kind is Kind.AGENT:
        return f"{text} ({class_label(n.classes[0])})"
    return text


def _against(allergy: str, a: Named, slot: _Slot, category: Category) -> SafetyFinding:
    """One allergy against one planned agent of its category."""
    rules = _X["categories"][category.value]
    label = category_label(category)
    if not slot.named:
        return _finding(
            category, Severity(rules["unknown"]),
            f"Allergy to {allergy}; the planned {label} {slot.text!r} is not an agent this "
            f"screen knows: name the agent so the allergy can be checked against it",
            rules["source"], allergy=allergy, planned=slot.text, relation="unknown_planned",
        )  # fmt: skip
    if a.kind is Kind.CATEGORY:
        return _finding(
            category, Severity(rules["unknown"]),
            f"Allergy to {allergy}: which {label} is not known; ask which agent (and its "
            f"class) before using {slot.text}, or refer for allergy testing",
            _T["categories"][category.value]["source"],
            allergy=allergy, planned=slot.text, relation="unknown_allergy",
        )  # fmt: skip
    worst: SafetyFinding | None = None
    for p in slot.named:
        found = _one(allergy, a, slot.text, p, category)
        if worst is None or found.severity.rank > worst.severity.rank:
            worst = found
    assert worst is not None  # slot.named is not empty
    return worst


def _one(allergy: str, a: Named, planned: str, p: Named, category: Category) -> SafetyFinding:
    rules = _X["categories"][category.value]
    said = f"Allergy to {_words(a, allergy)}; the plan uses {_words(p, planned)}"
    base = {"allergy": allergy, "allergy_agent": a.key, "planned": planned, "planned_agent": p.key}
    if a.kind is Kind.AGENT and p.kind is Kind.AGENT and a.key == p.key:
        same = _X["same_agent"]
        return _finding(
            category, Severity(same["severity"]), f"{said}: {same['advice']}",
            _T["agents"][a.key]["source"], **base, relation="same_agent",
        )  # fmt: skip
    shared = [c for c in a.classes if c in p.classes]
    relation = "same_class" if shared else "other_class"
    a_class, p_class = (shared[0], shared[0]) if shared else (a.classes[0], p.classes[0])
    row = _pair(a_class, p_class) or {
        "severity": rules[relation],
        "advice": (
            f"both are {class_label(a_class)}: change the agent before starting"
            if shared
            else f"a different {class_label(p_class)}, not cross-reactive: proceed, keeping "
            f"{allergy} out of the plan"
        ),
        "source": f"{_T['classes'][p_class]['source']}; {rules['source']}",
    }
    precaution = str(row.get("precaution", "")).format(planned=planned)
    message = f"{said}: {row['advice']}" + (f"; {precaution}" if precaution else "")
    return _finding(
        category, Severity(row["severity"]), message, row["source"],
        **base, relation=relation, precaution=precaution,
    )  # fmt: skip


def _not_used(allergy: str, key: str, slots: dict[Category, list[_Slot]]) -> SafetyFinding:
    row = _T["not_used"][key]
    planned = {n.key for s in slots.values() for slot in s for n in slot.named}
    if planned & set(row.get("when_planned", ())):
        return SafetyFinding(
            "allergy.excipient", Severity(row["severity_when_planned"]),
            f"Allergy to {allergy}: {row['advice_when_planned']}", row["source_when_planned"],
            {"allergy": allergy},
        )  # fmt: skip
    return SafetyFinding(
        "allergy.other", Severity.NOTE, f"Allergy to {allergy}: {row['advice']}", row["source"],
        {"allergy": allergy},
    )  # fmt: skip


def _one_allergy(
    allergy: str, a: Named, plan: Plan, slots: dict[Category, list[_Slot]]
) -> SafetyFinding:
    if a.kind is Kind.LATEX:
        severity = Severity.NOTE if plan.latex_free else Severity.REVIEW
        msg = "Latex allergy: use a latex-free room, gloves and equipment"
        return SafetyFinding("allergy.latex", severity, msg, _T["latex"]["source"])
    if a.kind is Kind.NOT_USED or a.category is None:
        return _not_used(allergy, a.key, slots)
    category = a.category
    label = category_label(category)
    if (
        category is Category.SEDATIVE
        and plan.sedation is not Sedation.LOCAL
        and not slots[category]
    ):
        return _finding(
            category, Severity.REVIEW,
            f"Allergy to {allergy} and {plan.sedation.value} sedation planned with no agent "
            "named: name the sedative so the allergy can be checked against it",
            _X["categories"][category.value]["source"], allergy=allergy, relation="unnamed_plan",
        )  # fmt: skip
    if not slots[category]:
        return _finding(
            category, Severity.NOTE,
            f"Allergy to {allergy}: no {label} is planned; keep it that way",
            _X["categories"][category.value]["source"], allergy=allergy, relation="not_planned",
        )  # fmt: skip
    found = [_against(allergy, a, slot, category) for slot in slots[category]]
    return max(found, key=lambda f: f.severity.rank)


def allergy_rules(a: Assessment, plan: Plan) -> list[SafetyFinding]:
    """One finding per allergen named in each recorded allergy; an allergy naming nothing
    the table knows asks which agent it was (review), never passes as another."""
    slots = planned_agents(plan)
    everything = ", ".join(
        s.text for category in Category for s in slots[category]
    )  # what the nurse checks an unknown allergy against
    out: list[SafetyFinding] = []
    for allergy in a.allergies:
        text = allergy.strip()
        named = resolve(text)
        if not named:
            out.append(
                SafetyFinding(
                    "allergy.unknown",
                    Severity.REVIEW,
                    f"Allergy to {text}: not an agent this screen knows; ask what it is and "
                    f"check it against every agent used ({everything})",
                    _X["unknown_allergen"]["source"],
                    {"allergy": text},
                )  # fmt: skip
            )
            continue
        out.extend(_one_allergy(text, n, plan, slots) for n in named)
    return out
