"""Shared pieces of the browser tests: a served app on a temporary database, and Chromium.

The app runs as a real ``marrowscope serve`` process on a free port against a fresh
SQLite file prepared like the demo (migrated, demo case, demo accounts); Playwright
drives Debian's Chromium. One server and one browser serve the whole session.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import httpx
import pytest

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.services.accounts import DEMO_USERS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artefacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORDS = {u.username: u.password for u in DEMO_USERS}


@dataclass(frozen=True)
class LiveApp:
    """A running app: its address, database URL and demo ids."""

    url: str
    database_url: str
    demo: DemoIds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chromium_path() -> str:
    """Debian's Chromium (``.ci/run`` installs it); the suite skips without it."""
    path = os.environ.get("MARROWSCOPE_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.skip(f"no Chromium at {path} (set MARROWSCOPE_CHROMIUM)")
    return path


@contextmanager
def serve(folder: Path, settings: Mapping[str, str] = MappingProxyType({})) -> Iterator[LiveApp]:
    """``marrowscope serve`` on a free port against a fresh demo database in ``folder``;
    ``settings`` are environment variables for this server only (e.g. a short escalation)."""
    database_url = f"sqlite:///{folder / 'web.db'}"
    demo = prepare_demo(Settings(database_url=database_url))
    port = _free_port()
    env = dict(os.environ, MARROWSCOPE_DATABASE_URL=database_url, **settings)
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "marrowscope"), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / "server.log").read_text())
            time.sleep(0.2)
        yield LiveApp(url, database_url, demo)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The suite's shared server on a freshly prepared database."""
    # A zone other than UTC, so that a time shown in UTC on a page is caught.
    zone = os.environ.get("MARROWSCOPE_TIMEZONE", "Europe/Paris")
    with serve(tmp_path_factory.mktemp("web"), {"MARROWSCOPE_TIMEZONE": zone}) as app:
        yield app


def sign_in(page: object, app: LiveApp, username: str) -> None:
    """Sign in through the form as a demo user."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.context.clear_cookies()  # a fresh session, whoever was signed in before
    page.goto(app.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def screenshot(page: object, name: str) -> Path:
    """Save a full-page PNG under artefacts/screenshots (not committed)."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '_', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
