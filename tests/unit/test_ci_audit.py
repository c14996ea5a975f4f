"""``make audit`` never says "no known vulnerabilities" when it reached no advisory database.

pip-audit itself prints that line with exit 0 when every package was skipped (issue 17);
a stand-in pip-audit plays the three cases: database unreachable, reached and clean,
reached with an advisory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "audit.py"

FAKE = """#!{python}
import json, sys
mode = {mode!r}
names = [l.split("==") for l in open(sys.argv[sys.argv.index("-r") + 1]).read().split()]
deps = []
for name, version in names:
    if mode == "offline":
        deps.append({{"name": name, "skip_reason": "Dependency not found on PyPI"}})
    elif name == "requests" or (mode == "vulnerable" and name == "pillow"):
        deps.append({{"name": name, "version": version, "vulns": [{{"id": "PYSEC-X"}}]}})
    else:
        deps.append({{"name": name, "version": version, "vulns": []}})
print("No known vulnerabilities found", file=sys.stderr)
print(json.dumps({{"dependencies": deps, "fixes": []}}))
"""

FREEZE = """#!{python}
print("pillow==9.0.0\\nnumpy==2.0.0")
"""


def _run(tmp_path: Path, mode: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE.format(python=sys.executable, mode=mode))
    fake.chmod(0o755)
    python = tmp_path / "python"  # answers "python -m pip freeze" with two pins
    python.write_text(FREEZE.format(python=sys.executable))
    python.chmod(0o755)
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--pip-audit", str(fake), "--python", str(python)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_unreachable_advisory_database_is_reported_as_not_audited(tmp_path: Path) -> None:
    done = _run(tmp_path, "offline")

    assert done.returncode == 0
    assert done.stdout.startswith("not audited: ")
    assert "No known vulnerabilities" not in done.stdout


@pytest.mark.parametrize(("mode", "status"), [("clean", 0), ("vulnerable", 1)])
def test_a_reached_database_audits_every_installed_package(
    tmp_path: Path, mode: str, status: int
) -> None:
    done = _run(tmp_path, mode)

    assert done.returncode == status, done.stdout
    assert "audited 2 of 2 installed packages" in done.stdout
    assert ("VULNERABLE pillow 9.0.0: PYSEC-X" in done.stdout) == (mode == "vulnerable")
