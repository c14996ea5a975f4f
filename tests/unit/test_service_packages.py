"""Each capability package of ``services`` (and each grouped package of ``domain``) names
its public names in ``__all__``.

The ``__all__`` must be exactly what the package imports for its callers (no name left out,
none listed that is not there), and every name in it must resolve.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import marrowscope.services as services

SERVICE_PACKAGES = sorted(
    info.name for info in pkgutil.iter_modules(services.__path__) if info.ispkg
)
GROUPED = [f"marrowscope.services.{name}" for name in SERVICE_PACKAGES] + [
    "marrowscope.domain.ai_review",
    "marrowscope.domain.lab",
    "marrowscope.domain.reporting",
]


def _imported_names(package: str) -> set[str]:
    init = Path(importlib.import_module(package).__file__ or "")
    names: set[str] = set()
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def test_the_capabilities_are_packages() -> None:
    assert SERVICE_PACKAGES == [
        "accounts",
        "ai_review",
        "alerts",
        "audit",
        "cases",
        "counting",
        "diagnosis",
        "interop",
        "lab",
        "pathway",
        "quality",
        "reporting",
        "walkthrough",
    ]


@pytest.mark.parametrize("package", GROUPED)
def test_all_names_exactly_what_the_package_exports(package: str) -> None:
    module = importlib.import_module(package)
    exported = list(module.__all__)

    assert module.__doc__ and module.__doc__.strip(), "say what the package owns"
    assert len(exported) == len(set(exported)), "a name is listed twice"
    assert set(exported) == _imported_names(package)
    for name in exported:
        assert getattr(module, name, None) is not None, name
