"""``marrowscope review ...`` and ``marrowscope export counts`` on a SQLite file, real images.

In-process (Typer's CliRunner): the commands catch their own errors and exit 2.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.ai.infer import default_model_path
from marrowscope.bootstrap import get_settings
from marrowscope.cli.app import app


@pytest.fixture
def cli(tmp_path: Path) -> CliRunner:
    if not default_model_path(get_settings().model_dir).is_file():
        pytest.skip("no model shipped in this checkout yet (src/marrowscope/ai/models)")
    return CliRunner(env={"MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})


def test_import_a_folder_decide_count_and_export_deidentified(
    cli: CliRunner, tmp_path: Path, shared_data: Path
) -> None:
    """A folder becomes one slide; decided cells are counted; the export has no MRN."""
    folder = tmp_path / "slide-7"
    folder.mkdir()
    for name in ("EOS_00009.jpg", "LYT_00009.jpg", "ART_00009.jpg"):
        shutil.copy(shared_data / "matek_samples" / name, folder / name)
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    (folder / "notes.txt").write_text("ignored: not an image suffix")
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    imported = cli.invoke(app, ["review", "import", "1", str(folder)])
    early = cli.invoke(app, ["review", "count", "1", "slide-7"])
    listed = cli.invoke(app, ["review", "list", "1"])
    decisions = [
        cli.invoke(app, ["review", "decide", cell, code])
        for cell, code in (("1", "EOS"), ("2", "LYT"), ("3", "reject"))
    ]
    counted = cli.invoke(app, ["review", "count", "1", "slide-7"])
    refused = cli.invoke(app, ["export", "counts", "-o", str(tmp_path / "c.csv")])
    exported = cli.invoke(
        app, ["export", "counts", "--deidentified", "-o", str(tmp_path / "c.csv")]
    )

    assert imported.exit_code == 0, imported.output
    assert "3 cell(s) pre-classified" in imported.output and "1 file(s) refused" in imported.output
    assert "broken.jpg: not a readable image" in imported.output
    assert early.exit_code == 2 and "await a decision" in early.output
    assert len(listed.output.strip().splitlines()) == 4  # header + 3 cells
    assert all(d.exit_code == 0 for d in decisions), [d.output for d in decisions]
    assert "rejected" in decisions[2].output
    assert counted.exit_code == 0 and "2 cell(s) in the differential" in counted.output
    assert refused.exit_code == 2 and "--deidentified" in refused.output
    assert exported.exit_code == 0, exported.output
    text = (tmp_path / "c.csv").read_text()
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["n_EOS"] == "1" and row["n_LYT"] == "1" and row["total"] == "2"
    assert "DEMO-0001" not in text and "Daniel" not in text and "slide-7" not in text


def test_only_counting_roles_import_and_only_admin_or_lab_export(
    cli: CliRunner, tmp_path: Path, shared_data: Path
) -> None:
    """A clinician cannot import cells; a morphologist cannot take the count log."""
    assert cli.invoke(app, ["case", "demo"]).exit_code == 0

    imported = cli.invoke(
        app,
        ["review", "import", "1", str(shared_data / "matek_samples"), "--role", "clinician"],
    )
    exported = cli.invoke(app, ["export", "counts", "--deidentified", "--role", "morphologist"])
    missing = cli.invoke(app, ["review", "import", "1", str(tmp_path / "nowhere")])

    assert imported.exit_code == 2 and "clinician cannot" in imported.output
    assert exported.exit_code == 2 and "morphologist cannot" in exported.output
    assert missing.exit_code == 2 and "not a folder" in missing.output
