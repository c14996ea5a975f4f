"""Imports every ``marrowscope.db.*_tables`` module so the shared metadata is complete.

Each area keeps its tables in its own ``<area>_tables.py`` (``core_tables``,
``pathway_tables``, ``auth_tables``, ``report_tables``...); discovery by name means
adding an area touches no shared file.
"""

from __future__ import annotations

import importlib
import pkgutil

import marrowscope.db as _db_package

__all__ = ["load_all"]


def load_all() -> list[str]:
    """Import every table module; returns their names (sorted, for stable order)."""
    names = sorted(
        info.name
        for info in pkgutil.iter_modules(_db_package.__path__)
        if info.name.endswith("_tables")
    )
    for name in names:
        importlib.import_module(f"marrowscope.db.{name}")
    return names


load_all()
