"""Fixtures shared by every suite: where the real images live, the web tests' database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.db_support import (
    POSTGRES_ENV,
    WebDatabase,
    postgres_base_url,
    postgres_schema_url,
    web_backend,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need it skip cleanly without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def web_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDatabase]:
    """``make(name, backend=None)``: the URL of a new, empty database for a web/API module.

    ``backend`` None follows ``MARROWSCOPE_TEST_WEB_BACKEND`` (default SQLite). A
    PostgreSQL database is a fresh schema, dropped when the session ends; without
    ``MARROWSCOPE_TEST_POSTGRES_URL`` the asking test is skipped.
    """
    with ExitStack() as stack:

        def make(name: str, backend: str | None = None) -> str:
            chosen = backend or web_backend()
            if chosen == "sqlite":
                return f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}"
            base = postgres_base_url()
            if base is None:
                pytest.skip(f"{POSTGRES_ENV} is not set")
            return stack.enter_context(postgres_schema_url(base))

        yield make
