"""What a name written on the checklist stands for: an agent, a class, a category, an
allergen the procedure does not use, or nothing the screen knows.

The screen used to compare the words typed, so "Marcaine" was not bupivacaine and an
allergy to bupivacaine said nothing about lidocaine. Names now resolve through
``tables/preprocedure_agents.toml`` (synonyms and brand names of each agent, its class or
family), after a normalisation that ignores case, accents, hyphens, strengths and the
words that qualify a product ("1% lidocaine with adrenaline" is lidocaine). A name that
resolves to nothing stays unknown: the rules ask which agent it is rather than guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from marrowscope.domain.tables import load_table

__all__ = ["Category", "Kind", "Named", "category_label", "class_label", "normalise", "resolve"]

_T = load_table("preprocedure_agents")

# a strength or ratio ("1%", "0.5", "1:200,000", "10mg"), not a name
_STRENGTH = re.compile(r"[\d.,:%]*\d[\d.,:%]*(mg|ml|mcg|g|micrograms?)?")
_SEPARATORS = re.compile(r"[^a-z0-9.,:%]+")


class Category(StrEnum):
    """The slot of the plan an agent fills."""

    LOCAL_ANAESTHETIC = "local_anaesthetic"
    ANTISEPTIC = "antiseptic"
    SEDATIVE = "sedative"


class Kind(StrEnum):
    """How specific a name is."""

    AGENT = "agent"  # one agent (or one product)
    CLASS = "class"  # a class or family: "amides", "benzodiazepines", "iodine"
    CATEGORY = "category"  # "local anaesthetic": which one is not known
    NOT_USED = "not_used"  # an allergen the procedure does not use (penicillin)
    LATEX = "latex"


@dataclass(frozen=True, slots=True)
class Named:
    """What a name stands for. ``classes``: the class or family first, then any other
    family the product contains (ChloraPrep: chlorhexidine, alcohol); empty when the
    class is not known."""

    kind: Kind
    key: str
    category: Category | None = None
    classes: tuple[str, ...] = ()


def normalise(text: str) -> tuple[str, ...]:
    """The words of ``text`` that can name an agent: lower case, no accents, no
    hyphens or brackets, no strengths, none of the table's qualifying words."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    ignore = frozenset(_T["matching"]["ignore_words"])
    words = (w.strip(".,:") for w in _SEPARATORS.split(plain))
    return tuple(w for w in words if w and w not in ignore and not _STRENGTH.fullmatch(w))


def _add(index: dict[str, Named], name: str, named: Named, *, weak: bool = False) -> None:
    key = " ".join(normalise(name))
    if not key:
        return
    known = index.get(key)
    if weak and known is not None:
        return  # a class named after its one agent (propofol): the agent is more specific
    if known is not None and known != named:
        raise ValueError(f"preprocedure_agents.toml: {name!r} names both {known} and {named}")
    index[key] = named


@cache
def _index() -> dict[str, Named]:
    """Every name of the table, normalised, with what it stands for (a name that stands
    for two things is a table error, found when the module is first used)."""
    index: dict[str, Named] = {}
    for key, row in _T["categories"].items():
        named = Named(Kind.CATEGORY, key, Category(key))
        for name in row["names"]:
            _add(index, name, named)
    for key, row in _T["agents"].items():
        category = Category(_T["classes"][row["class"]]["category"])
        named = Named(Kind.AGENT, key, category, (row["class"], *row.get("also_contains", ())))
        for name in (key.replace("_", " "), *row["names"]):
            _add(index, name, named)
    for key, row in _T["classes"].items():
        named = Named(Kind.CLASS, key, Category(row["category"]), (key,))
        _add(index, key, named, weak=True)
        for name in row["names"]:
            _add(index, name, named)
    for key, row in _T["not_used"].items():
        for name in row["names"]:
            _add(index, name, Named(Kind.NOT_USED, key))
    for name in _T["latex"]["names"]:
        _add(index, name, Named(Kind.LATEX, "latex"))
    return index


def _lookup(words: tuple[str, ...]) -> Named | None:
    index = _index()
    key = " ".join(words)
    found = index.get(key)
    if found is None and key.endswith("s"):
        found = index.get(key[:-1])  # a plural the table does not list
    return found


def resolve(text: str) -> tuple[Named, ...]:
    """What ``text`` names, longest known name first, left to right; an unknown word
    with a telling ending ("-caine") names its category with the agent unknown.
    Empty when nothing in it is known: the caller asks, never guesses."""
    words = normalise(text)
    longest = max((len(k.split()) for k in _index()), default=1)
    found: list[Named] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            named = _lookup(words[i : i + n])
            if named is not None:
                found.append(named)
                i += n
                break
        else:
            for ending, category in _T["matching"]["suffixes"].items():
                if words[i].endswith(ending):
                    found.append(Named(Kind.CATEGORY, category, Category(category)))
            i += 1
    return tuple(dict.fromkeys(found))


def class_label(key: str) -> str:
    """The words for a class or family ("amide local anaesthetic")."""
    row: dict[str, Any] = _T["classes"].get(key, {})
    return str(row.get("label", key.replace("_", " ")))


def category_label(category: Category) -> str:
    """The words for a category ("local anaesthetic")."""
    return str(_T["categories"][category.value]["label"])
