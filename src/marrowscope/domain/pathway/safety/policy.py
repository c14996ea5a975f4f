"""The lab's policy where guidelines differ: the platelet threshold and the hold of
prophylactic low-molecular-weight heparin.

SIR 2019 does not withhold prophylactic LMWH before a low-risk procedure, some units hold
it 12 h; the platelet threshold is a choice too. Each is a setting (``config.Settings``)
whose default is the guideline's value (``[policy.*]`` of ``tables/safety.toml``), and
every finding that depends on one says which value applied and whether it is the
guideline's, so a reader of the record knows the lab chose it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.tables import load_table

__all__ = ["SafetyPolicy"]

_P: dict[str, Any] = load_table("safety")["policy"]


@dataclass(frozen=True, slots=True)
class SafetyPolicy:
    """The values the lab chose; the defaults are the guideline's."""

    platelet_threshold_per_nl: float = float(_P["platelet_threshold_per_nl"]["default"])
    lmwh_prophylactic_hold_hours: float = float(_P["lmwh_prophylactic_hold_hours"]["default"])

    def __post_init__(self) -> None:
        for f in fields(self):
            row = _P[f.name]
            value = getattr(self, f.name)
            if not row["min"] <= value <= row["max"]:
                raise InvalidInput(
                    f"{f.name}: {value:g} {row['unit']} is outside {row['min']:g}-"
                    f"{row['max']:g} (setting {row['setting']})"
                )

    def words(self, name: str) -> str:
        """``name`` as a finding cites it: the value, and whose it is."""
        row = _P[name]
        value = float(getattr(self, name))
        default = float(row["default"])
        said = f"lab policy {name} = {value:g} {row['unit']}"
        if value == default:
            return f"{said}, the guideline default ({row['source']})"
        return (
            f"{said}, set locally ({row['setting']}); the guideline default is "
            f"{default:g} {row['unit']} ({row['source']})"
        )
