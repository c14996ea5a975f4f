"""`marrowscope differential`, `count` and `demo` as a user runs them.

Most cases use Typer's CliRunner (fast, in-process); one runs the installed console
script in a subprocess to check the real exit status and stderr.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.cli.app import app

runner = CliRunner()

ACCEPTANCE = "code,count\nBLA,125\nPMO,15\nMYB,60\nMMZ,50\nNGB,40\nNGS,60\nEPC,90\nLYT,50\nMON,10\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_500_cells_with_125_blasts_report_25_percent_and_aml_under_who_and_icc(
    tmp_path: Path,
) -> None:
    counts = _write(tmp_path, "counts.csv", ACCEPTANCE)

    result = runner.invoke(app, ["differential", str(counts)])

    assert result.exit_code == 0, result.output
    blast_line = next(line for line in result.output.splitlines() if line.startswith("BLA "))
    assert "25.0" in blast_line and "21.4–29.0" in blast_line
    assert "[WHO 2022] who2022.blasts.aml" in result.output
    assert "[ICC 2022] icc2022.blasts.aml" in result.output
    assert "blast threshold of acute myeloid leukaemia" in " ".join(result.output.split())
    assert "M:E ratio: 3.89" in result.output
    assert "Adequacy: adequate" in result.output


def test_json_carries_every_figure(tmp_path: Path) -> None:
    counts = _write(tmp_path, "counts.csv", ACCEPTANCE)

    result = runner.invoke(app, ["differential", str(counts), "--json"])

    data = json.loads(result.output)
    blasts = next(row for row in data["classes"] if row["code"] == "BLA")
    assert data["nucleated_cells"] == 500
    assert blasts["percent"] == 25.0
    assert blasts["interval_percent"] == pytest.approx([21.405, 28.976], abs=0.001)
    assert blasts["flag"] == "H" and blasts["reference_range"]["source"]
    assert data["me_ratio"]["ratio"] == pytest.approx(3.889, abs=0.001)
    assert data["me_ratio"]["definition"] == {
        "include_blasts": True,
        "include_monocytes": False,
        "text": "granulocytic cells with blasts, without monocytes : erythroid precursors",
    }
    assert data["blasts_non_erythroid"]["percent"] == pytest.approx(30.488, abs=0.001)
    assert data["adequacy"]["adequate"] is True
    ids = {flag["id"] for flag in data["flags"] if flag["status"] == "met"}
    assert {"who2022.blasts.aml", "icc2022.blasts.aml"} <= ids
    assert all(flag["sources"] for flag in data["flags"])


def test_me_definition_options_change_the_ratio(tmp_path: Path) -> None:
    counts = _write(tmp_path, "counts.csv", ACCEPTANCE)

    result = runner.invoke(
        app, ["differential", str(counts), "--json", "--me-no-blasts", "--me-monocytes"]
    )

    assert json.loads(result.output)["me_ratio"]["ratio"] == pytest.approx(235 / 90, abs=0.001)


def test_several_files_are_merged_as_slides_and_a_small_count_is_warned(tmp_path: Path) -> None:
    first = _write(tmp_path, "slide1.csv", "code,count\nBLA,10\nNGS,90\n")
    second = _write(tmp_path, "slide2.csv", "code,count\nBLA,5\nNGS,95\nMGK,3\n")

    result = runner.invoke(app, ["differential", str(first), str(second)])

    assert result.exit_code == 0, result.output
    assert "200 nucleated cells (2 slides)" in result.output
    assert "WARNING only 200 nucleated cells" in result.output


def test_a_previous_count_is_compared_class_by_class(tmp_path: Path) -> None:
    now = _write(tmp_path, "day28.csv", "code,count\nBLA,15\nNGS,485\n")
    before = _write(tmp_path, "diagnosis.csv", ACCEPTANCE)

    result = runner.invoke(app, ["differential", str(now), "--previous", str(before), "--json"])

    changes = json.loads(result.output)["comparison"]["changes"]
    change = next(c for c in changes if c["code"] == "BLA")
    assert change["delta_points"] == pytest.approx(-22.0)
    assert change["beyond_counting_noise"] is True


def test_findings_feed_the_ring_sideroblast_rules(tmp_path: Path) -> None:
    counts = _write(tmp_path, "counts.csv", "code,count\nBLA,10\nEPC,300\nNGS,190\n")

    result = runner.invoke(
        app, ["differential", str(counts), "--ring-sideroblasts", "20", "--sf3b1-wild-type"]
    )

    assert "who2022.ring_sideroblasts.mds_lb_rs" in result.output
    assert "icc2022.ring_sideroblasts.without_sf3b1" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no counts"),
        ("code,count\nBLA,12\nXYZ,3\n", "line 3: unknown cell code 'XYZ'"),
        ("code,count\nBLA,-4\n", "line 2: count of BLA must not be negative"),
        ("code,count\nBLA,4.5\n", "line 2: count of BLA must be a whole number"),
        ("code,count\nBLA,4\nBLA,5\n", "line 3: code BLA already given on line 2"),
        ("code,count\nMGK,4\n", "no nucleated cell"),
    ],
)
def test_bad_counts_exit_2_with_a_message_naming_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    counts = _write(tmp_path, "bad.csv", text)

    result = runner.invoke(app, ["differential", str(counts)])

    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["differential", str(tmp_path / "absent.csv")])

    assert result.exit_code == 2 and "no such file" in result.output


def test_the_console_script_prints_errors_to_stderr_with_status_2(tmp_path: Path) -> None:
    script = shutil.which("marrowscope", path=str(Path(sys.executable).parent))
    assert script is not None
    counts = _write(tmp_path, "bad.csv", "code,count\nXYZ,1\n")

    done = subprocess.run([script, "differential", str(counts)], capture_output=True, text=True)

    assert done.returncode == 2
    assert "line 2: unknown cell code 'XYZ'" in done.stderr and done.stdout == ""


def test_the_terminal_counter_counts_piped_keys_undoes_and_stops_at_the_target(
    tmp_path: Path,
) -> None:
    output = tmp_path / "counted.csv"
    keys = "b" * 3 + "x-" + "s" * 6 + "g" + "ssss"  # x = abnormal eosinophil, then undone

    result = runner.invoke(
        app, ["count", "--target", "10", "--output", str(output), "--json"], input=keys
    )

    assert result.exit_code == 0, result.output
    assert "undo ABE" in result.output and "Target reached." in result.output
    assert output.read_text() == "code,count\nBLA,3\nNGS,7\nMGK,1\n"
    report = json.loads(result.output[result.output.index("{") :])
    assert report["nucleated_cells"] == 10


def test_the_counter_cues_every_100_cells_and_reports_on_quit() -> None:
    result = runner.invoke(app, ["count"], input="s" * 100 + "?" + "z" + "q")

    assert "--- 100 cells ---" in result.output
    assert "b=BLA" in result.output
    assert "HAC Hairy cell: 1" in result.output
    assert "WARNING only 101 nucleated cells" in result.output


def test_the_demo_prints_a_report_of_the_invented_count() -> None:
    result = runner.invoke(app, ["demo"])

    assert result.exit_code == 0
    assert "not a patient" in result.output
    text = " ".join(result.output.split())
    assert "increased blasts 1 (MDS-IB1)" in text and "excess blasts (MDS-EB)" in text
