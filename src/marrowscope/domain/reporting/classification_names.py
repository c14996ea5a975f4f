"""Entity names the report editor suggests for its WHO 2022 and ICC 2022 fields.

The two classifications name the same disease differently ("MDS-IB2" against "MDS-EB",
"leukaemia" against "leukemia"), and a typo in a free-text name defeats every later
search. Suggesting each scheme's own spelling keeps reports consistent, while the field
stays free text: a rarer entity is typed in full. The names and their sources live in
``tables/classification_names.toml``.
"""

from __future__ import annotations

from marrowscope.domain.tables import load_table

__all__ = ["SCHEMES", "source_of", "suggested_names"]

SCHEMES: tuple[str, ...] = ("who_2022", "icc_2022")


def suggested_names(scheme: str) -> tuple[str, ...]:
    """Myeloid then lymphoid entity names of ``scheme`` ("who_2022" or "icc_2022")."""
    if scheme not in SCHEMES:
        raise KeyError(f"unknown classification scheme {scheme!r}; known: {SCHEMES}")
    entry = load_table("classification_names")[scheme]
    return tuple(entry["names"]) + tuple(entry.get("lymphoid_names", ()))


def source_of(scheme: str) -> str:
    """Citation of the myeloid list of ``scheme`` (shown next to the suggestions)."""
    table = load_table("classification_names")
    key: str = table[scheme]["source"]
    citation: str = table["sources"][key]
    return citation
