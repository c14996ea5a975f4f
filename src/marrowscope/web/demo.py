"""Prepare a database for the demo: migrate, seed the demo case, create the demo accounts.

Safe to run on every start: each step leaves what already exists alone, so ``make run``
twice keeps the counts and reports made in between.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date

from marrowscope.bootstrap import (
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    upgrade_database,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.patients import (
    list_cases,
    open_case,
    register_patient,
    search_patients,
)
from marrowscope.services.users import ensure_demo_users

__all__ = ["DemoIds", "prepare_demo"]

_SEEDER = Actor("demo-seed", Role.ADMIN)
# An invented second patient, so that the demo shows a patient kept out of another's pages.
_OTHER_MRN = "DEMO-0002"


@dataclass(frozen=True, slots=True)
class DemoIds:
    """Where the demo lives in the database."""

    case_id: int
    patient_id: int
    other_patient_id: int


def _seed_case(settings: Settings) -> int:
    """The demo case id: the pathway's own seed when it is installed, else a bare case."""
    try:
        seeding = importlib.import_module("marrowscope.services.demo")
    except ImportError:
        seeding = None
    uow_factory = build_uow_factory(build_engine(settings))
    if seeding is not None and hasattr(seeding, "seed_demo_case"):
        result = seeding.seed_demo_case(uow_factory)
        case_id = getattr(result, "case_id", result)
        return int(case_id)
    with uow_factory() as uow:
        existing = list_cases(uow, _SEEDER)
        if existing:
            return existing[-1].id

        patient = register_patient(
            uow,
            _SEEDER,
            mrn="DEMO-0001",
            family_name="Demo",
            given_name="Alex",
            birth_date=date(1958, 3, 14),
            sex="female",
        )
        return open_case(uow, _SEEDER, patient.id).id


def prepare_demo(settings: Settings) -> DemoIds:
    """Migrate, seed and create the demo accounts; returns the demo's ids."""
    upgrade_database(settings)
    case_id = _seed_case(settings)
    uow_factory = build_uow_factory(build_engine(settings))
    accounts = build_account_services(uow_factory)
    with uow_factory() as uow:
        case = uow.cases.get(case_id)
        if case is None:
            raise RuntimeError(f"the demo seed returned case {case_id}, which does not exist")
        others = [p for p in search_patients(uow, _SEEDER, _OTHER_MRN) if p.mrn == _OTHER_MRN]
        if others:
            other_id = others[0].id
        else:
            other_id = register_patient(
                uow,
                _SEEDER,
                mrn=_OTHER_MRN,
                family_name="Other",
                given_name="Sam",
                birth_date=date(1971, 9, 2),
                sex="male",
            ).id
        ensure_demo_users(
            uow, accounts.stores, demo_patient_id=case.patient_id, other_patient_id=other_id
        )
    return DemoIds(case_id=case_id, patient_id=case.patient_id, other_patient_id=other_id)
