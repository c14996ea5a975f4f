"""Units as analysers and LIS spell them, brought to the spelling of the CBC table.

The same count arrives as ``10*9/L`` (UCUM), ``10*9/l``, ``x10E9/L``, ``x10\\S\\9/L``
(an escaped caret), ``10^9/L``, ``10*3/uL`` or ``K/uL`` (the same quantity), and red
cells as ``10*12/L``, ``10*6/uL`` or ``M/uL``. Each is mapped to the table's own unit
when it is the same quantity, so that ``domain.cbc`` converts and range-checks it; an
unknown unit is passed on unchanged and refused there with its name.
"""

from __future__ import annotations

import re

from marrowscope.domain.pathway.cbc import analyte_info

__all__ = ["table_unit"]

# normalised spelling -> the quantity it names (per litre)
_SAME = {
    "10^9/l": "10^9/l",
    "10^3/ul": "10^9/l",
    "10^3/mm3": "10^9/l",
    "/nl": "10^9/l",
    "10^12/l": "10^12/l",
    "10^6/ul": "10^12/l",
    "10^6/mm3": "10^12/l",
    "/pl": "10^12/l",
    "g/dl": "g/dl",
    "g/l": "g/l",
    "fl": "fl",
    "%": "%",
    "l/l": "l/l",
}


def _normalise(unit: str) -> str:
    u = unit.strip().replace("\\S\\", "^").replace("×", "x").replace("µ", "u").replace("μ", "u")
    u = u.lower().replace(" ", "")
    u = re.sub(r"^x?10(\*|\^|e|\*\*)?(\d+)", r"10^\2", u)
    u = {"k/ul": "10^3/ul", "thou/ul": "10^3/ul", "m/ul": "10^6/ul", "mill/ul": "10^6/ul"}.get(u, u)
    return u


def table_unit(key: str, unit: str) -> str:
    """``unit`` as the CBC table spells the same quantity for ``key``; else unchanged."""
    info = analyte_info(key)
    if not unit.strip():
        return info.unit
    wanted = _SAME.get(_normalise(unit))
    if wanted is None:
        return unit
    for spelled in (info.unit, *info.units):
        if _SAME.get(_normalise(spelled)) == wanted:
            return spelled
    return unit
