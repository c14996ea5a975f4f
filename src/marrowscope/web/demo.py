"""Prepare a database for the demo: migrate, seed the demo case, create the demo accounts.

Safe to run on every start: each step leaves what already exists alone, so ``make run``
twice keeps the counts and reports made in between.
"""

from __future__ import annotations

from dataclasses import dataclass

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    upgrade_database,
)
from marrowscope.services.demo import seed_demo_case
from marrowscope.services.users import ensure_demo_users

__all__ = ["DemoIds", "prepare_demo"]


@dataclass(frozen=True, slots=True)
class DemoIds:
    """Where the demo lives in the database."""

    case_id: int
    patient_id: int
    other_patient_id: int


def prepare_demo(settings: Settings) -> DemoIds:
    """Migrate, seed the demo case (``services.demo``) and the demo accounts."""
    upgrade_database(settings)
    uow_factory = build_uow_factory(build_engine(settings))
    seeded = seed_demo_case(uow_factory)
    accounts = build_account_services(uow_factory)
    with uow_factory() as uow:
        ensure_demo_users(
            uow,
            accounts.stores,
            demo_patient_id=seeded.patient_id,
            other_patient_id=seeded.other_patient_id,
        )
    return DemoIds(seeded.case_id, seeded.patient_id, seeded.other_patient_id)
