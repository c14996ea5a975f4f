"""Dependency audit that says when it audited nothing (``make audit``).

pip-audit prints "No known vulnerabilities found" even when it reached no advisory
database: every package is then skipped ("Dependency not found on PyPI and could not be
audited") and the exit status is 0. So this script first audits a canary, requests 2.0.0,
which has published advisories (e.g. CVE-2014-1829); only if the canary is reported
vulnerable was the database reached and does "no known vulnerabilities" mean anything.

Exit status: 0 clean, or not audited (a machine without network must not fail CI for
that; the "not audited: <reason>" line says so); 1 a vulnerability was found in an
installed package; 2 pip-audit itself is missing or broke.

    python .ci/audit.py --pip-audit .venv-audit/bin/pip-audit --python .venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CANARY = "requests==2.0.0"


def _audit(pip_audit: str, requirements: list[str]) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report for pinned ``requirements`` (None and a reason on failure)."""
    with tempfile.TemporaryDirectory() as folder:
        listed = Path(folder) / "requirements.txt"
        listed.write_text("\n".join(requirements) + "\n")
        done = subprocess.run(
            [pip_audit, "--no-deps", "--disable-pip", "-r", str(listed), "-f", "json"],
            capture_output=True,
            text=True,
            timeout=600,
        )
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, last[:300]
    return report, ""


def _installed(python: str) -> list[str]:
    """Pinned requirements of the project's environment, without the project itself."""
    frozen = subprocess.run(
        [python, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in frozen.splitlines() if "==" in line and not line.startswith("-")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pip-audit", default="pip-audit")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    try:
        canary, why = _audit(args.pip_audit, [CANARY])
    except FileNotFoundError:
        print(f"audit failed: {args.pip_audit} is not installed")  # noqa: T201
        return 2
    if canary is None:
        print(f"not audited: pip-audit failed ({why})")  # noqa: T201
        return 0
    reached = any(dep.get("vulns") for dep in canary.get("dependencies", []))
    if not reached:
        skipped = [d.get("skip_reason", "") for d in canary.get("dependencies", [])]
        reason = next((s for s in skipped if s), "the canary was reported clean")
        print(f"not audited: no advisory database reachable ({CANARY}: {reason})")  # noqa: T201
        return 0
    pinned = _installed(args.python)
    report, why = _audit(args.pip_audit, pinned)
    if report is None:
        print(f"not audited: pip-audit failed on the environment ({why})")  # noqa: T201
        return 0
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    found = [(d["name"], d["version"], v["id"]) for d in dependencies for v in d.get("vulns", [])]
    audited = len(dependencies) - len(skipped)
    for name, version, advisory in found:
        print(f"VULNERABLE {name} {version}: {advisory}")  # noqa: T201
    print(  # noqa: T201
        f"audited {audited} of {len(dependencies)} installed packages "
        f"({len(skipped)} skipped: {', '.join(d['name'] for d in skipped) or 'none'}); "
        f"{len(found)} known vulnerabilities"
    )
    if audited == 0:
        print("not audited: every package was skipped")  # noqa: T201
        return 0
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
