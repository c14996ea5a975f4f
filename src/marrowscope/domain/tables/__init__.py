"""Medical content as data: each TOML table cites its source next to each value."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["load_table"]


@cache
def load_table(name: str) -> dict[str, Any]:
    """Parsed contents of ``tables/<name>.toml``.

    Cached because tables are read-only package data; callers must not mutate the result.
    """
    text = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)
