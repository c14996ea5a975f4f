"""The audit trail an auditor can trust, on SQLite and PostgreSQL: tampering with rows in
the database (as someone with write access would, triggers off) is found by
``marrowscope audit verify``; concurrent writers never fork the chain; pruning keeps the
retention; failed sign-ins stay in the trail long after the sign-in limits forget them.

PostgreSQL runs with ``MARROWSCOPE_TEST_POSTGRES_URL`` (skipped without it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from marrowscope.bootstrap import Settings, build_account_services, build_uow_factory, prepare_demo
from marrowscope.cli.app import app as cli
from marrowscope.db.engine import make_engine
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import AuthenticationFailed
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import prune_audit_log, record_audit, verify_audit_log
from tests.db_support import database_url

NURSE = Actor("nurse", Role.NURSE)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    with database_url(str(request.param), tmp_path) as url:
        monkeypatch.setenv("MARROWSCOPE_DATABASE_URL", url)
        chosen = Settings(database_url=url)
        prepare_demo(chosen)
        yield chosen


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


def _verify(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "verify", *args])
    return result.exit_code, result.output


def _as_attacker(engine: sa.Engine, *statements: str) -> None:
    """Run SQL with the append-only triggers out of the way, as a database owner can."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER trg_audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER trg_audit_log_no_delete")
        for statement in statements:
            conn.exec_driver_sql(statement)


def _last_seq(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT max(seq) FROM audit_log").scalar_one())


def test_an_untouched_log_verifies_with_its_count_and_last_hash(engine: sa.Engine) -> None:
    last = _last_seq(engine)

    code, output = _verify()

    assert code == 0, output
    assert f"{last} entries checked" in output and f"last entry {last}:" in output
    anchor = output.strip().rsplit(" ", 1)[-1]
    assert _verify("--expect", anchor)[0] == 0


def test_an_edited_detail_is_found_at_its_row(engine: sa.Engine) -> None:
    _as_attacker(engine, "UPDATE audit_log SET changes = '{}' WHERE seq = 7")

    code, output = _verify()

    assert code == 1 and "BROKEN at entry 7" in output and "content" in output


def test_a_deleted_middle_row_is_found(engine: sa.Engine) -> None:
    _as_attacker(engine, "DELETE FROM audit_log WHERE seq = 10")

    code, output = _verify()

    assert code == 1 and "BROKEN at entry 11" in output


def test_two_rows_swapped_in_order_are_found(engine: sa.Engine) -> None:
    _as_attacker(
        engine,
        "UPDATE audit_log SET seq = -1 WHERE seq = 4",
        "UPDATE audit_log SET seq = 4 WHERE seq = 5",
        "UPDATE audit_log SET seq = 5 WHERE seq = -1",
    )

    code, output = _verify()

    assert code == 1 and "BROKEN at entry 4" in output


def test_a_truncated_tail_is_found_by_the_head(engine: sa.Engine) -> None:
    last = _last_seq(engine)
    _as_attacker(engine, f"DELETE FROM audit_log WHERE seq > {last - 3}")

    code, output = _verify()

    assert code == 1 and "cut from the end" in output


def test_a_tail_cut_with_the_head_rewritten_is_found_by_the_kept_anchor(
    engine: sa.Engine,
) -> None:
    """The worst case a chain allows: the head set back to an older one (kept by someone
    who could read it then). Only the anchor recorded outside the database catches it."""
    with engine.connect() as conn:
        old_head = conn.exec_driver_sql(
            "SELECT last_seq, last_hash, mac FROM audit_chain_head"
        ).one()
    record_audit_once(engine)
    anchor = _verify()[1].strip().rsplit(" ", 1)[-1]
    _as_attacker(
        engine,
        f"DELETE FROM audit_log WHERE seq > {old_head.last_seq}",
        f"UPDATE audit_chain_head SET last_seq = {old_head.last_seq}, "
        f"last_hash = '{old_head.last_hash}', mac = '{old_head.mac}'",
    )

    assert _verify()[0] == 0  # the shorter chain and the old head agree
    code, output = _verify("--expect", anchor)
    assert code == 1 and "before the expected entry" in output


def record_audit_once(engine: sa.Engine) -> None:
    factory = build_uow_factory(engine)
    with factory() as uow:
        record_audit(uow, NURSE, "patient", 1, AuditAction.VIEW, None, {"read": "test"})
        uow.commit()


def test_bad_expect_text_is_a_usage_error(settings: Settings) -> None:
    code, output = _verify("--expect", "seven:abc")

    assert code == 2 and "POSITION:HASH" in output


def test_concurrent_writers_never_fork_the_chain(engine: sa.Engine) -> None:
    factory = build_uow_factory(engine)
    before = _last_seq(engine)
    writers, each = 8, 10
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        start.wait()
        try:
            for i in range(each):
                with factory() as uow:
                    record_audit(uow, NURSE, "vitals", f"{n}-{i}", AuditAction.CREATE, None,
                                 {"pulse": 60 + i})  # fmt: skip
                    uow.commit()
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with engine.connect() as conn:
        seqs = [r[0] for r in conn.exec_driver_sql("SELECT seq FROM audit_log ORDER BY seq")]
        prevs = conn.exec_driver_sql("SELECT count(DISTINCT prev_hash) FROM audit_log").scalar()
    with factory() as uow:
        report = verify_audit_log(uow)

    assert failures == []
    assert seqs == list(range(1, before + writers * each + 1))
    assert prevs == len(seqs)  # no two entries link to the same one: no fork
    assert report.ok and report.checked == len(seqs)


def test_pruning_keeps_the_retention_and_the_chain(engine: sa.Engine) -> None:
    factory = build_uow_factory(engine)
    admin = Actor("admin", Role.ADMIN)
    total = _last_seq(engine)

    with factory() as uow:
        kept = prune_audit_log(uow, admin, 2192)
    seven_years_on = datetime.now(UTC) + timedelta(days=7 * 365)
    with factory() as uow:
        pruned = prune_audit_log(uow, admin, 2192, now=seven_years_on)
    code, output = _verify()

    assert kept.deleted == 0
    assert pruned.deleted == total and pruned.through_seq == total
    assert code == 0, output  # the prune's own entry, linked to the last one pruned
    with engine.connect() as conn:
        actions = [r[0] for r in conn.exec_driver_sql("SELECT action FROM audit_log")]
    assert actions == ["prune"]
    with pytest.raises(sa.exc.DatabaseError, match="not allowed"), engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log")


def test_a_failed_sign_in_is_kept_long_after_the_limits_forget_it(
    settings: Settings, engine: sa.Engine
) -> None:
    clock = FakeClock()
    auth = build_account_services(build_uow_factory(engine, clock, settings), settings).auth
    typed = "Password-Typed-Into-The-Name-Box"

    with pytest.raises(AuthenticationFailed):
        auth.sign_in(typed, "whatever", "10.0.0.7")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in("nurse", "wrong password", "10.0.0.7")
    clock.now += timedelta(days=2)  # past the limits' forgetting (a day of quiet)
    auth.sign_in("nurse", "nurse-demo", "10.0.0.8")
    with engine.connect() as conn:
        limits = conn.exec_driver_sql("SELECT key FROM sign_in_limits").scalars().all()
        rows = conn.exec_driver_sql(
            "SELECT action, entity_id, changes FROM audit_log WHERE entity = 'account' ORDER BY seq"
        ).all()
        dump = " ".join(str(tuple(r)) for r in conn.exec_driver_sql("SELECT * FROM audit_log"))

    assert len(limits) == 2  # only the last attempt's keys are left in the limits table
    assert not any("nurse" in key or "10.0.0" in key for key in limits)  # pseudonyms only
    assert [r.action for r in rows] == ["sign_in_failed", "sign_in_failed", "sign_in"]
    assert rows[0].entity_id == "unknown" and rows[1].entity_id != "unknown"
    assert typed.lower() not in dump.lower()
    assert "typed_username_pseudonym" in str(rows[0].changes)
