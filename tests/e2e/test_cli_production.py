"""Production refuses what is safe only on a developer's machine, in one line, exit 2.

Run as an operator runs it: the installed ``marrowscope`` console script in a child
process, so a traceback printed by Python itself (not by ``CliRunner``) would be seen.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from marrowscope.config import Settings, get_settings
from marrowscope.domain.errors import ConfigurationError

MARROWSCOPE = str(Path(sys.executable).with_name("marrowscope"))
STRONG_SECRET = "s" * 40  # long enough for production; a test value, not a real one


def _run(args: list[str], tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARROWSCOPE_")}
    env["MARROWSCOPE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'prod.db'}"
    env.update({f"MARROWSCOPE_{k.upper()}": v for k, v in settings.items()})
    return subprocess.run(
        [MARROWSCOPE, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


def _one_line_refusal(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert done.stderr.startswith("error: ") and words in done.stderr


def test_serve_in_production_with_the_published_secret_is_refused(tmp_path: Path) -> None:
    done = _run(["serve", "--port", "1"], tmp_path, environment="production")

    _one_line_refusal(done, "MARROWSCOPE_SECRET_KEY must be set")
    assert not (tmp_path / "prod.db").exists()


def test_serve_in_production_without_secure_cookies_is_refused(tmp_path: Path) -> None:
    done = _run(
        ["serve", "--port", "1"],
        tmp_path,
        environment="production",
        secret_key=STRONG_SECRET,
        cookie_secure="false",
    )

    _one_line_refusal(done, "MARROWSCOPE_COOKIE_SECURE=false is refused")


def test_a_short_secret_is_refused_in_production_without_echoing_it(tmp_path: Path) -> None:
    done = _run(["serve"], tmp_path, environment="production", secret_key="hunter2-short")

    _one_line_refusal(done, "at least 32 characters")
    assert "hunter2" not in done.stderr


def test_demo_serve_in_production_creates_no_demo_account(tmp_path: Path) -> None:
    done = _run(["demo", "--serve"], tmp_path, environment="production", secret_key=STRONG_SECRET)

    _one_line_refusal(done, "demo data is not created")
    assert not (tmp_path / "prod.db").exists()


def test_case_demo_in_production_creates_no_invented_patient(tmp_path: Path) -> None:
    done = _run(["case", "demo"], tmp_path, environment="production", secret_key=STRONG_SECRET)

    _one_line_refusal(done, "demo data is not created")
    assert not (tmp_path / "prod.db").exists()


def test_a_malformed_setting_is_one_line_naming_every_variable(tmp_path: Path) -> None:
    done = _run(["db", "status"], tmp_path, environment="prod", port="eighty")

    _one_line_refusal(done, "configuration: MARROWSCOPE_ENVIRONMENT")
    assert "MARROWSCOPE_PORT" in done.stderr


def test_cookies_are_secure_everywhere_but_development() -> None:
    production = Settings(environment="production", secret_key=STRONG_SECRET)
    staging = Settings(environment="staging", secret_key=STRONG_SECRET)
    development = Settings(environment="development")
    https_dev = Settings(environment="development", cookie_secure=True)

    assert production.secure_cookies and staging.secure_cookies
    assert not development.secure_cookies
    assert https_dev.secure_cookies
    assert not production.demo_allowed and development.demo_allowed


def test_get_settings_raises_the_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARROWSCOPE_ENVIRONMENT", "production")
    monkeypatch.delenv("MARROWSCOPE_SECRET_KEY", raising=False)

    with pytest.raises(ConfigurationError, match="MARROWSCOPE_SECRET_KEY") as raised:
        get_settings()

    assert "\n" not in str(raised.value)
