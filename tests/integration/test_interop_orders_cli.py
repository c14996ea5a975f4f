"""``marrowscope import hl7`` routes an order to the order importer and ``import fhir`` takes a
ServiceRequest: each answers (ACK, OperationOutcome) and a refusal exits with 2 in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hl7
import pytest

from tests.integration.hl7_orders import epic

BIN = Path(sys.executable).with_name("marrowscope")
pytestmark = pytest.mark.skipif(not BIN.exists(), reason="console script not installed")


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MARROWSCOPE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "MARROWSCOPE_HL7_ASSIGNING_AUTHORITY": "HOSP",
    }
    return subprocess.run(
        [str(BIN), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_orders_in_through_the_command_line(tmp_path: Path) -> None:
    order = tmp_path / "order.hl7"
    order.write_bytes(epic().encode())
    unknown = tmp_path / "unknown.hl7"
    # the patient of order.hl7 again, with another date of birth: the wrong person
    wrong_pid = "PID|1||H300123^^^HOSP^MR||Okafor^Grace||19710513|F"
    unknown.write_bytes(epic(control="EP2", placer="ORD2", pid=wrong_pid).encode())
    request = tmp_path / "order.json"
    request.write_text(
        json.dumps(
            {
                "resourceType": "ServiceRequest",
                "identifier": [{"system": "urn:example:orders", "value": "SR-9"}],
                "status": "active",
                "intent": "order",
                "code": {
                    "coding": [{"system": "http://loinc.org", "code": "33721-2"}],
                },
                "subject": {
                    "identifier": {
                        "system": "http://marrowscope.org/fhir/NamingSystem/mrn",
                        "value": "H300123",
                    }
                },
                # another indication: the same one again on the same day would be refused
                "reasonCode": [{"text": "Fever of unknown origin (culture, granulomas)"}],
            }
        ),
        encoding="utf-8",
    )

    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    filed = _cli(tmp_path, "import", "hl7", str(order), "--ack", "filed.ack")
    refused = _cli(tmp_path, "import", "hl7", str(unknown), "--ack", "refused.ack")
    second = _cli(tmp_path, "import", "fhir", str(request))
    no_case = _cli(tmp_path, "import", "fhir", str(tmp_path / "order.json"), "--case", "99")

    assert filed.returncode == 0, filed.stderr
    # read as bytes: the ACK's segments end with CR, which text mode would translate
    assert str(hl7.parse((tmp_path / "filed.ack").read_bytes().decode()).segment("MSA")[1]) == "AA"
    assert "order recorded on case 1" in filed.stderr
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    ack = hl7.parse((tmp_path / "refused.ack").read_bytes().decode())
    assert str(ack.segment("MSA")[1]) == "AE" and str(ack.segment("ERR")[3][0][0]) == "204"
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["issue"][0]["severity"] == "information"
    assert "order filed on case 2" in second.stderr
    assert no_case.returncode == 2 and len(no_case.stderr.strip().splitlines()) == 1
