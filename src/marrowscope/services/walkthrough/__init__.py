"""Whole cases walked through the pathway: the demo case and its signed report, and a
case walked from a JSON script (``marrowscope case walk``).
"""

from marrowscope.services.walkthrough.demo_case import (
    DEMO_MRN,
    OTHER_MRN,
    DemoCase,
    seed_demo_case,
)
from marrowscope.services.walkthrough.demo_report import (
    seed_demo_report,
)
from marrowscope.services.walkthrough.script import (
    WalkResult,
    walk_script,
)

__all__ = [
    "DEMO_MRN",
    "DemoCase",
    "OTHER_MRN",
    "WalkResult",
    "seed_demo_case",
    "seed_demo_report",
    "walk_script",
]
