"""The console script exchanges the demo case: export fhir/hl7, import fhir/hl7 with ACK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

BIN = Path(sys.executable).with_name("marrowscope")
pytestmark = pytest.mark.skipif(not BIN.exists(), reason="console script not installed")


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run(
        [str(BIN), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_export_then_import_fhir_and_hl7_through_the_command_line(tmp_path: Path) -> None:
    bundle_file = tmp_path / "case1.json"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% demo\n%%EOF\n")
    bad = tmp_path / "bad.hl7"
    bad.write_text(
        "MSH|^~\\&|LIS|LAB|MARROWSCOPE|HAEM|20260302070000+0000||ORU^R01^ORU_R01|M9|P|2.5.1\n"
        "PID|1||DEMO-0001^^^HOSP^MR||Demo^Daniel||19590314|M\n"
        "OBR|1||L9|58410-2^CBC panel^LN|||20260302064500+0000\n"
        "OBX|1|NM|718-7^Hemoglobin^LN||high|g/L^g/L^UCUM|||||F\n",
        encoding="utf-8",
    )

    seeded = _cli(tmp_path, "case", "demo")
    exported = _cli(tmp_path, "export", "fhir", "1", "-o", str(bundle_file), "--pdf", str(pdf))
    hl7 = _cli(tmp_path, "export", "hl7", "1")
    hl7_file = tmp_path / "case1.hl7"
    written = _cli(tmp_path, "export", "hl7", "1", "-o", str(hl7_file))
    imported = _cli(tmp_path, "import", "fhir", str(bundle_file), "--case", "1")
    refused = _cli(tmp_path, "import", "hl7", str(bad))
    not_pdf = _cli(tmp_path, "export", "fhir", "1", "--pdf", str(bad))

    assert seeded.returncode == 0, seeded.stderr
    assert exported.returncode == 0, exported.stderr
    Bundle.model_validate(json.loads(bundle_file.read_text(encoding="utf-8")))
    assert hl7.returncode == 0 and hl7.stdout.startswith("MSH|^~\\&|MARROWSCOPE|")
    assert imported.returncode == 0, imported.stderr
    assert "CBC recorded on case 1" in imported.stdout and "Platelets 64" in imported.stdout
    assert refused.returncode == 2 and "MSA|AE|M9|" in refused.stdout
    assert "not a number" in refused.stderr and "Traceback" not in refused.stderr
    assert not_pdf.returncode == 2 and "not a PDF" in not_pdf.stderr
    raw = hl7_file.read_bytes()
    assert written.returncode == 0 and raw.endswith(b"\r") and b"\n" not in raw
    import hl7 as python_hl7

    from marrowscope.interop.hl7v2.er7_reader import read_er7

    text = raw.decode("utf-8")
    assert len(python_hl7.parse(text)) == len(read_er7(text).segments) == raw.count(b"\r")
