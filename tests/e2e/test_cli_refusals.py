"""Every refusal of the ``marrowscope`` command is one ``error:`` line and exit status 2.

The inputs are those an outside probe used (issue 17): counts of hundreds or thousands
of digits, JSON nested past the parser's stack, an HL7 message of 5,003 OBX segments, a
database that was never migrated. Run as real processes, as a person would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marrowscope.domain.counting.counts import MAX_CELLS_PER_CLASS

BIN = Path(sys.executable).with_name("marrowscope")
pytestmark = pytest.mark.skipif(not BIN.exists(), reason="console script not installed")


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [str(BIN), *args], cwd=db.parent, env=env, capture_output=True, text=True, timeout=300
    )


def _refused_in_one_line(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in done.stdout + done.stderr


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "cli.db"
    seeded = _cli(db, "case", "demo")
    assert seeded.returncode == 0, seeded.stderr
    return db


@pytest.mark.parametrize(
    "count", ["9" * 400, "9" * 5000, str(10**26), str(MAX_CELLS_PER_CLASS + 1)]
)
def test_a_count_beyond_the_ceiling_is_refused(tmp_path: Path, count: str) -> None:
    counts = tmp_path / "counts.csv"
    counts.write_text(f"code,count\nBLA,{count}\nNGS,10\n")

    done = _cli(tmp_path / "unused.db", "differential", str(counts))

    _refused_in_one_line(done)
    assert "1,000,000" in done.stderr


def test_a_count_at_the_ceiling_is_computed(tmp_path: Path) -> None:
    counts = tmp_path / "counts.csv"
    counts.write_text(f"code,count\nBLA,{MAX_CELLS_PER_CLASS}\nNGS,10\n")

    done = _cli(tmp_path / "unused.db", "differential", str(counts))

    assert done.returncode == 0, done.stderr


def test_a_command_on_a_database_never_migrated_says_what_to_run(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pathway_walk.json"

    done = _cli(tmp_path / "new.db", "case", "walk", str(script))

    _refused_in_one_line(done)
    assert "marrowscope db upgrade" in done.stderr


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"resourceType": "Observation", "x": ' + "7" * 5000 + "}"],
    ids=["nested", "5000-digits"],
)
def test_an_unreadable_fhir_file_is_refused(demo_db: Path, text: str) -> None:
    message = demo_db.parent / "fhir.json"
    message.write_text(text)

    done = _cli(demo_db, "import", "fhir", str(message), "--case", "1")

    _refused_in_one_line(done)
    assert "FHIR" in done.stderr


def test_an_hl7_message_far_larger_than_a_blood_count_is_refused_at_once(demo_db: Path) -> None:
    segments = [
        "MSH|^~\\&|LIS|LAB|MARROWSCOPE|HAEM|20260301080000+0000||ORU^R01^ORU_R01|M1|P|2.5.1",
        "PID|1||MRN-7^^^HOSP^MR||Demo^Daniel||19590314|M",
        "OBR|1||LAB123|58410-2^CBC panel^LN|||20260301074500+0100",
        *(f"OBX|{i}|NM|718-7^Hemoglobin^LN||9.2|g/dL^g/dL^UCUM|||||F" for i in range(1, 5001)),
    ]
    message = demo_db.parent / "big.hl7"
    message.write_text("\r".join(segments))
    started = time.perf_counter()

    done = _cli(demo_db, "import", "hl7", str(message), "--case", "1")

    assert time.perf_counter() - started < 15  # the parser took 18 s on this message
    _refused_in_one_line(done)
    assert "at most" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("case", "show", "99999999999999999999"),
        ("case", "cbc", "1", "hb=92:g/L", "--collected-at", "not-a-time"),
    ],
    ids=["id-beyond-64-bits", "bad-time"],
)
def test_bad_arguments_are_refused_in_one_line(demo_db: Path, args: tuple[str, ...]) -> None:
    done = _cli(demo_db, *args)

    _refused_in_one_line(done)
