"""Concurrent writers: accession numbers stay unique and no writer fails with a lock error."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.pathway.procedure import ProcedureRecord, Side, Site
from marrowscope.domain.pathway.safety import Plan, Sedation
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, lab, pathway
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from tests.db_support import database_url

STAFF = Actor("dr.paul", Role.PROCEDURALIST)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWorkFactory]:
    with database_url(request.param, tmp_path) as url:
        upgrade_database(url)
        engine = make_engine(url)
        yield build_uow_factory(engine)
        engine.dispose()


def _case_ready_for_specimens(factory: UnitOfWorkFactory) -> int:
    now = datetime.now(UTC)
    with factory() as uow:
        p = cases.register_patient(
            uow, STAFF, mrn="C-1", family_name="Con", given_name="Current",
            birth_date=date(1960, 1, 1), sex="male",
        )  # fmt: skip
        case_id = cases.open_case(uow, STAFF, p.id).id
        pathway.place_order(uow, STAFF, case_id, indications=["lymphoma_staging"],
                            clinical_details="")  # fmt: skip
        pathway.record_assessment(
            uow, STAFF, case_id, plan=Plan(planned_at=now - timedelta(hours=1)),
            assessment={"consent_by": "patient", "consent_signed_by": "C"},
        )  # fmt: skip
        t0 = now - timedelta(minutes=50)
        pathway.record_procedure(
            uow, STAFF, case_id,
            ProcedureRecord(
                operator="dr.paul", site=Site.POSTERIOR_ILIAC_CREST, side=Side.RIGHT,
                sedation=Sedation.LOCAL, time_out_at=t0, started_at=t0,
                aspirate_at=t0 + timedelta(minutes=2), ended_at=t0 + timedelta(minutes=9),
                observation_minutes=30,
            ),
        )  # fmt: skip
    return case_id


def test_parallel_specimen_registration_allocates_unique_accessions(
    factory: UnitOfWorkFactory,
) -> None:
    case_id = _case_ready_for_specimens(factory)

    def register(_: int) -> str:
        with factory() as uow:
            got = lab.collect_specimen(
                uow, STAFF, case_id, kind="aspirate_edta", tests=["flow_cytometry"]
            )
            return got.specimen.accession

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(register, range(16)))

    assert len(set(numbers)) == 16
    assert sorted(numbers)[-1].endswith("000016")
