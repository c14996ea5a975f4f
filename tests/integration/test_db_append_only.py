"""The database refuses to delete clinical rows or rewrite a stored version (pathway_0004)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from marrowscope.bootstrap import build_uow_factory
from marrowscope.db.engine import make_engine
from marrowscope.db.migrate import upgrade_database
from marrowscope.services.walkthrough import seed_demo_case
from tests.db_support import database_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS, scope="module")
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    with database_url(request.param, Path(tmp_path_factory.mktemp("db"))) as url:
        upgrade_database(url)
        eng = make_engine(url)
        seed_demo_case(build_uow_factory(eng))
        yield eng
        eng.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM patient",
        "DELETE FROM exam_case",
        "DELETE FROM clinical_record",
        "DELETE FROM specimen",
        "DELETE FROM lab_test",
        "DELETE FROM lab_result",
        "DELETE FROM lab_test_event",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor_username = 'someone else'",
        "UPDATE lab_test_event SET reason = 'rewritten'",
        "UPDATE clinical_record SET payload = '{}'",
        "UPDATE lab_result SET resulted_by = 'someone else'",
    ],
)
def test_history_cannot_be_deleted_or_rewritten(engine: sa.Engine, statement: str) -> None:
    with pytest.raises(sa.exc.DatabaseError, match="not allowed"), engine.begin() as conn:
        conn.exec_driver_sql(statement)


def test_superseding_and_state_changes_are_still_allowed(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        changed = conn.exec_driver_sql(
            "UPDATE clinical_record SET superseded_at = recorded_at WHERE id = 1"
        ).rowcount
        conn.rollback()

    assert changed == 1
