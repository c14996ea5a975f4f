"""Service tests run on a migrated SQLite file (and on PostgreSQL where the tests say so)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.db_support import database_url


class FakeClock:
    """A settable clock, so hold times and turnaround are tested at exact instants."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite always, PostgreSQL when the server is configured."""
    with database_url(request.param, tmp_path) as url:
        upgrade_database(url)
        yield url


@pytest.fixture
def uow_factory(db_url: str, clock: FakeClock) -> Iterator[UnitOfWorkFactory]:
    engine = make_engine(db_url)
    yield build_uow_factory(engine, clock)
    engine.dispose()


@pytest.fixture
def uow(uow_factory: UnitOfWorkFactory) -> Iterator[UnitOfWork]:
    with uow_factory() as unit:
        yield unit


def actor(role: Role, username: str | None = None) -> Actor:
    return Actor(username or role.value, role)


@pytest.fixture
def clinician() -> Actor:
    return actor(Role.CLINICIAN, "dr.clara")


@pytest.fixture
def nurse() -> Actor:
    return actor(Role.NURSE, "nina")


@pytest.fixture
def proceduralist() -> Actor:
    return actor(Role.PROCEDURALIST, "dr.paul")


@pytest.fixture
def lab() -> Actor:
    return actor(Role.LAB_SCIENTIST, "leo")
