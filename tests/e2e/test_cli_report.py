"""``marrowscope report ...`` walks a report through amendment, addendum and release.

In-process (Typer's CliRunner) on a SQLite file seeded by ``prepare_demo``, whose demo
case already carries a signed report (v1). Signing commands check a real account and its
password (``--password-stdin`` here).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.cli.app import app


@pytest.fixture
def demo(tmp_path: Path) -> tuple[CliRunner, int]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ids = prepare_demo(Settings(database_url=url))
    return CliRunner(env={"MARROWSCOPE_DATABASE_URL": url}), ids.case_id


PATHOLOGIST_PW = "pathologist-demo\n"


def test_amend_addend_release_keep_every_version_and_the_original_pdf(
    demo: tuple[CliRunner, int], tmp_path: Path
) -> None:
    """After an amendment and an addendum, v1's PDF is still the one signed first."""
    cli, case = demo
    before = cli.invoke(app, ["report", "pdf", str(case), "-o", str(tmp_path / "v1a.pdf")])

    amended = cli.invoke(
        app,
        ["report", "amend", str(case), "--reason", "blast count corrected", "--password-stdin"]
        + ["-f", "comment=Blasts re-counted on a second slide.", "--meaning", "reviewed"],
        input=PATHOLOGIST_PW,
    )
    added = cli.invoke(
        app,
        ["report", "addend", str(case), "CD34 IHC: 8 % blasts.", "--reason", "IHC final"]
        + ["--pending", "", "--password-stdin"],
        input=PATHOLOGIST_PW,
    )
    unconfirmed = cli.invoke(
        app, ["report", "release", str(case), "--password-stdin"], input="clinician-demo\n"
    )
    stale = cli.invoke(
        app,
        ["report", "release", str(case), "--version", "2", "--password-stdin"],
        input="clinician-demo\n",
    )
    released = cli.invoke(
        app,
        ["report", "release", str(case), "--version", "3", "--password-stdin"],
        input="clinician-demo\n",
    )
    listed = cli.invoke(app, ["report", "versions", str(case)])
    again = cli.invoke(
        app, ["report", "pdf", str(case), "--version", "1", "-o", str(tmp_path / "v1b.pdf")]
    )

    assert before.exit_code == 0, before.output
    assert amended.exit_code == 0, amended.output
    assert "v2 (amendment)" in amended.output
    assert added.exit_code == 0, added.output
    assert "v3 (addendum)" in added.output
    assert unconfirmed.exit_code == 2 and "newest signed is version 3" in unconfirmed.output
    assert stale.exit_code == 2 and "version 3 was signed since" in stale.output
    assert released.exit_code == 0 and "v3 of case" in released.output
    lines = listed.output.strip().splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        ["v1", "original", "signed"],
        ["v2", "amendment", "signed"],
        ["v3", "addendum", "signed"],
    ]
    assert lines[1].endswith("blast count corrected")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "v1b.pdf").read_bytes() == (tmp_path / "v1a.pdf").read_bytes()


def test_refusals_exit_2_with_the_reason_and_change_nothing(demo: tuple[CliRunner, int]) -> None:
    """A signed report is not edited as a draft; amendments need a reason and a pathologist."""
    cli, case = demo
    cli.env["MARROWSCOPE_SIGNING_PASSWORD"] = "pathologist-demo"

    edit_signed = cli.invoke(app, ["report", "draft", str(case), "-f", "comment=x"])
    no_reason = cli.invoke(app, ["report", "amend", str(case), "--reason", " ", "-f", "comment=x"])
    by_morphologist = cli.invoke(
        app,
        ["report", "amend", str(case), "--reason", "r", "-f", "comment=x"]
        + ["--user", "morphologist", "--role", "morphologist", "--password-stdin"],
        input="morphologist-demo\n",
    )
    bad_pair = cli.invoke(app, ["report", "amend", str(case), "--reason", "r", "-f", "comment"])
    unknown_field = cli.invoke(app, ["report", "amend", str(case), "--reason", "r", "-f", "x=1"])
    listed = cli.invoke(app, ["report", "versions", str(case)])

    for result in (edit_signed, no_reason, by_morphologist, bad_pair, unknown_field):
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    assert "signed" in edit_signed.output
    assert "needs a reason" in no_reason.output
    assert "holds the morphologist role" in by_morphologist.output
    assert "NAME=TEXT" in bad_pair.output
    assert "no field 'x'" in unknown_field.output
    assert len(listed.output.strip().splitlines()) == 1


def _sign(cli: CliRunner, case: int, *extra: str, password: str | None = None) -> Result:
    """``report sign`` of a fresh draft of ``case``."""
    return cli.invoke(
        app,
        ["report", "sign", str(case), "--confirm-warnings", *extra]
        + (["--password-stdin"] if password is not None else []),
        input=None if password is None else password + "\n",
    )


@pytest.fixture
def draft_case(tmp_path: Path) -> tuple[CliRunner, int, str]:
    """The demo with a second case whose report is a draft, and the database URL."""
    from marrowscope.bootstrap import (
        build_account_services,
        build_engine,
        build_uow_factory,
        upgrade_database,
    )
    from marrowscope.domain.roles import Actor, Role
    from marrowscope.services import reporting
    from marrowscope.services.accounts import ensure_demo_users
    from marrowscope.services.walkthrough import seed_demo_case

    url = f"sqlite:///{tmp_path / 'sign.db'}"
    settings = Settings(database_url=url)
    upgrade_database(settings)  # the demo case without its signed report
    factory = build_uow_factory(build_engine(settings))
    seeded = seed_demo_case(factory)
    with factory() as uow:
        ensure_demo_users(
            uow, build_account_services(factory).stores,
            demo_patient_id=seeded.patient_id, other_patient_id=seeded.other_patient_id,
        )  # fmt: skip
    case = seeded.case_id
    with factory() as uow:
        reporting.save_draft(
            uow, Actor("pathologist", Role.PATHOLOGIST), case, {"conclusion": "MDS"}
        )
    return CliRunner(env={"MARROWSCOPE_DATABASE_URL": url}), case, url


@pytest.mark.parametrize(
    ("user", "role", "password", "says"),
    [
        ("dr_nobody", "pathologist", "anything", "no active account named 'dr_nobody'"),
        ("pathologist", "pathologist", "wrong-password", "not your current password"),
        ("clinician", "clinician", "clinician-demo", "this signature takes a pathologist"),
        ("clinician", "pathologist", "clinician-demo", "holds the clinician role"),
        ("retired", "pathologist", "pathologist-demo", "no active account named 'retired'"),
    ],
)
def test_sign_refuses_anyone_but_an_active_pathologist_with_their_password(
    draft_case: tuple[CliRunner, int, str], user: str, role: str, password: str, says: str
) -> None:
    """Before: ``report sign --user dr_nobody`` signed as an account that does not exist."""
    cli, case, url = draft_case
    if user == "retired":  # the pathologist's account, switched off
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET active = 0 WHERE username = 'pathologist'"))
        engine.dispose()

    result = _sign(cli, case, "--user", user, "--role", role, password=password)
    listed = cli.invoke(app, ["report", "versions", str(case)])

    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert says in result.output
    assert "\tdraft\t" in listed.output  # nothing signed


def test_sign_with_the_password_records_the_meaning(draft_case: tuple[CliRunner, int, str]) -> None:
    cli, case, _ = draft_case
    no_password = _sign(cli, case)
    signed = _sign(cli, case, "--meaning", "approved", password="pathologist-demo")
    listed = cli.invoke(app, ["report", "versions", str(case)])

    assert no_password.exit_code == 2 and "--password-stdin" in no_password.output
    assert signed.exit_code == 0, signed.output
    assert "\tsigned\t" in listed.output
    assert "(approved)" in signed.output
