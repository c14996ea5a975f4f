"""The ``marrowscope`` console script walks the demo case and reports errors with status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("marrowscope")


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run(
        [str(BIN), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not BIN.exists(), reason="console script not installed")
def test_demo_case_then_show_label_and_a_refused_value(tmp_path: Path) -> None:
    seeded = _cli(tmp_path, "case", "demo")
    shown = _cli(tmp_path, "case", "show", "1")
    label = _cli(tmp_path, "case", "label", "1", "--out", str(tmp_path / "l.svg"))
    bad = _cli(tmp_path, "case", "cbc", "1", "hb=92:mg/dL")
    flagged = _cli(tmp_path, "case", "cbc", "1", "hb=92:g/L", "platelets=40")

    assert seeded.returncode == 0, seeded.stderr
    assert "stage followed_up" in shown.stdout
    assert "specimen BM26-" in shown.stdout and "karyotype: verified" in shown.stdout
    assert label.returncode == 0 and (tmp_path / "l.svg").read_text().startswith("<svg")
    assert bad.returncode == 2 and "hb: unknown unit" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert flagged.returncode == 0
    assert "Consider bone marrow examination" in flagged.stdout


EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pathway_walk.json"


@pytest.mark.skipif(not BIN.exists(), reason="console script not installed")
def test_the_example_script_walks_a_case_that_a_new_process_reads_back(tmp_path: Path) -> None:
    migrated = _cli(tmp_path, "db", "upgrade")
    walked = _cli(tmp_path, "case", "walk", str(EXAMPLE))
    shown = _cli(tmp_path, "case", "show", "1")
    again = _cli(tmp_path, "case", "walk", str(EXAMPLE))

    assert migrated.returncode == 0, migrated.stderr
    assert walked.returncode == 0, walked.stderr
    assert "19 steps" in walked.stdout
    assert "stage followed_up" in shown.stdout
    assert "flow_cytometry: verified" in shown.stdout
    assert "trephine_histology: in_process" in shown.stdout
    assert again.returncode == 2 and "already registered" in again.stderr
