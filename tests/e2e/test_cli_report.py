"""``marrowscope report ...`` walks a report through amendment, addendum and release.

In-process (Typer's CliRunner) on a SQLite file seeded by ``prepare_demo``, whose demo
case already carries a signed report (v1).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.bootstrap import Settings, prepare_demo
from marrowscope.cli.app import app


@pytest.fixture
def demo(tmp_path: Path) -> tuple[CliRunner, int]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ids = prepare_demo(Settings(database_url=url))
    return CliRunner(env={"MARROWSCOPE_DATABASE_URL": url}), ids.case_id


def test_amend_addend_release_keep_every_version_and_the_original_pdf(
    demo: tuple[CliRunner, int], tmp_path: Path
) -> None:
    """After an amendment and an addendum, v1's PDF is still the one signed first."""
    cli, case = demo
    before = cli.invoke(app, ["report", "pdf", str(case), "-o", str(tmp_path / "v1a.pdf")])

    amended = cli.invoke(
        app,
        ["report", "amend", str(case), "--reason", "blast count corrected"]
        + ["-f", "comment=Blasts re-counted on a second slide."],
    )
    added = cli.invoke(
        app,
        ["report", "addend", str(case), "CD34 IHC: 8 % blasts.", "--reason", "IHC final"]
        + ["--pending", ""],
    )
    released = cli.invoke(app, ["report", "release", str(case)])
    listed = cli.invoke(app, ["report", "versions", str(case)])
    again = cli.invoke(
        app, ["report", "pdf", str(case), "--version", "1", "-o", str(tmp_path / "v1b.pdf")]
    )

    assert before.exit_code == 0, before.output
    assert amended.exit_code == 0, amended.output
    assert "v2 (amendment)" in amended.output
    assert added.exit_code == 0, added.output
    assert "v3 (addendum)" in added.output
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

    edit_signed = cli.invoke(app, ["report", "draft", str(case), "-f", "comment=x"])
    no_reason = cli.invoke(app, ["report", "amend", str(case), "--reason", " ", "-f", "comment=x"])
    by_morphologist = cli.invoke(
        app,
        ["report", "amend", str(case), "--reason", "r", "-f", "comment=x"]
        + ["--user", "m", "--role", "morphologist"],
    )
    bad_pair = cli.invoke(app, ["report", "amend", str(case), "--reason", "r", "-f", "comment"])
    unknown_field = cli.invoke(app, ["report", "amend", str(case), "--reason", "r", "-f", "x=1"])
    listed = cli.invoke(app, ["report", "versions", str(case)])

    for result in (edit_signed, no_reason, by_morphologist, bad_pair, unknown_field):
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    assert "signed" in edit_signed.output
    assert "needs a reason" in no_reason.output
    assert "morphologist role may not" in by_morphologist.output
    assert "NAME=TEXT" in bad_pair.output
    assert "no field 'x'" in unknown_field.output
    assert len(listed.output.strip().splitlines()) == 1
