"""`marrowscope risk ipssm` as a user runs it, on the authors' calculator template.

The five patients are the example file of papaemmelab/ipssm-js (MIT) at commit e5a22f9,
test/data/IPSSMexample.csv; the expected figures are from its test/testUtils.js (IPSS-R
categories spelt out: the calculator writes "Int" for Intermediate).
"""

# ruff: noqa: E501  (the template rows are kept as the CSV lines they were copied from)

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marrowscope.cli import risk
from marrowscope.cli.app import app

runner = CliRunner()

TEMPLATE = """\ufeffID,HB,PLT,BM_BLAST,ANC,AGE,del5q,del7_7q,complex,CYTO_IPSSR,del17_17p,TP53mut,TP53maxvaf,TP53loh,MLL_PTD,FLT3,ASXL1,BCOR,BCORL1,CBL,CEBPA,DNMT3A,ETV6,EZH2,IDH1,IDH2,KRAS,NF1,NPM1,NRAS,RUNX1,SETBP1,SF3B1,SRSF2,STAG2,U2AF1,ETNK1,GATA2,GNB1,PHF6,PPM1D,PRPF8,PTPN11,WT1
pp347,9.6,281,9,4.84,79,0,0,0,Good,0,0,NA,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0,NA,0,NA,0,0,NA,0,0
pp564,7.5,23,16,0.24,66,1,1,1,Very Poor,0,1,0.85,1,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
zeroScore,10,10,10,0,100,0,0,0,Very Good,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
withNAs,9.6,281,9,4.84,79,0,0,0,Good,0,0,NA,0,0,0,1,NA,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,0,NA,0,NA,0,0,NA,0,NA
SF3B1alphaTestCase,10,100,5,NA,NA,0,0,0,Intermediate,0,0,NA,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,NA,0,0,0,0,0,0,0,0,0,0,0,0,0
"""

EXPECTED = {
    "pp347": [
        "0.31",
        "Moderate High",
        "0.3",
        "Moderate High",
        "0.63",
        "High",
        "4",
        "Intermediate",
        "4.27",
        "Intermediate",
    ],
    "pp564": [
        "4.55",
        "Very High",
        "4.55",
        "Very High",
        "4.55",
        "Very High",
        "10",
        "Very High",
        "10",
        "Very High",
    ],
    "zeroScore": [
        "0",
        "Moderate Low",
        "0",
        "Moderate Low",
        "0",
        "Moderate Low",
        "3.5",
        "Intermediate",
        "4.475",
        "Intermediate",
    ],
    "withNAs": [
        "0.32",
        "Moderate High",
        "0.3",
        "Moderate High",
        "0.63",
        "High",
        "4",
        "Intermediate",
        "4.27",
        "Intermediate",
    ],
    "SF3B1alphaTestCase": [
        "-0.22",
        "Moderate Low",
        "-0.3",
        "Moderate Low",
        "0.31",
        "Moderate High",
        "",
        "",
        "",
        "",
    ],
}


def _write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _read(text: str) -> dict[str, dict[str, str]]:
    return {row["ID"]: row for row in csv.DictReader(io.StringIO(text))}


def test_scores_every_row_and_keeps_every_input_column(tmp_path: Path) -> None:
    source = _write(tmp_path, TEMPLATE)
    out = tmp_path / "out.csv"

    result = runner.invoke(app, ["risk", "ipssm", str(source), "-o", str(out)])

    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    header = text.splitlines()[0].split(",")
    input_header = TEMPLATE.lstrip("\ufeff").splitlines()[0].split(",")
    assert header == input_header + list(risk.OUTPUT_COLUMNS)
    rows = _read(text)
    for patient, expected in EXPECTED.items():
        assert [rows[patient][c] for c in risk.OUTPUT_COLUMNS] == expected, patient
    assert rows["withNAs"]["BCOR"] == "NA" and rows["pp564"]["TP53maxvaf"] == "0.85"


def test_writes_to_stdout_without_output_option(tmp_path: Path) -> None:
    source = _write(tmp_path, TEMPLATE)

    result = runner.invoke(app, ["risk", "ipssm", str(source)])

    assert result.exit_code == 0, result.stderr
    assert _read(result.stdout)["pp564"]["IPSSM_CAT"] == "Very High"


def test_the_r_packages_template_without_anc_and_age_scores_ipss_m_only(tmp_path: Path) -> None:
    lines = [line.split(",") for line in TEMPLATE.lstrip("\ufeff").splitlines()]
    without = "\n".join(",".join(fields[:4] + fields[6:]) for fields in lines) + "\n"
    source = _write(tmp_path, without)

    result = runner.invoke(app, ["risk", "ipssm", str(source)])

    assert result.exit_code == 0, result.stderr
    row = _read(result.stdout)["pp347"]
    assert (row["IPSSM_SCORE"], row["IPSSR_SCORE"], row["IPSSRA_CAT"]) == ("0.31", "", "")


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        ("pp564,7.5,", "pp564,abc,", "HB"),
        ("Very Poor,0,1,0.85", "Very Poor,0,3,0.85", "TP53mut"),
        ("Very Poor,0,1,0.85", "Very Poor,0,1,85", "TP53maxvaf"),
        ("1,1,1,Very Poor", "1,1,1,Awful", "CYTO_IPSSR"),
    ],
)
def test_a_bad_row_is_named_left_empty_and_the_rest_scored(
    tmp_path: Path, old: str, new: str, column: str
) -> None:
    assert old in TEMPLATE
    source = _write(tmp_path, TEMPLATE.replace(old, new, 1))
    out = tmp_path / "out.csv"

    result = runner.invoke(app, ["risk", "ipssm", str(source), "-o", str(out)])

    assert result.exit_code == 2
    errors = result.stderr.strip().splitlines()
    assert errors[0].startswith(f"error: line 3 (ID pp564), column {column}:"), errors
    assert len(errors) == 2 and "1 of 5 rows" in errors[1]
    rows = _read(out.read_text(encoding="utf-8"))
    assert all(rows["pp564"][c] == "" for c in risk.OUTPUT_COLUMNS)
    assert rows["pp347"]["IPSSM_SCORE"] == "0.31" and rows["zeroScore"]["IPSSR_SCORE"] == "3.5"
    assert "Traceback" not in result.output


def test_a_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["risk", "ipssm", str(tmp_path / "absent.csv")])

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {tmp_path / 'absent.csv'}: no such file"]


def test_a_file_without_the_template_columns_is_refused(tmp_path: Path) -> None:
    source = _write(tmp_path, "ID,HB\nx,10\n")

    result = runner.invoke(app, ["risk", "ipssm", str(source)])

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing column(s) PLT" in lines[0]


def test_an_oversized_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _write(tmp_path, TEMPLATE)
    monkeypatch.setattr(risk, "MAX_BYTES", 100)

    result = runner.invoke(app, ["risk", "ipssm", str(source)])

    assert result.exit_code == 2
    assert "over the limit of 100 bytes" in result.stderr


def test_help_states_the_exit_status() -> None:
    result = runner.invoke(app, ["risk", "ipssm", "--help"])

    assert result.exit_code == 0
    assert "Exit status 2" in result.output
