"""Schema migrations run from Python: ``upgrade_database(url)`` = ``alembic upgrade heads``.

Migrations live inside the package (``db/migrations``) so an installed marrowscope can
create or upgrade its own database; each area has its own Alembic branch (``pathway``,
``auth``, ``reports``), hence *heads*, plural.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from marrowscope.db.engine import make_engine, normalise_url

__all__ = [
    "alembic_config",
    "current_revisions",
    "head_revisions",
    "is_up_to_date",
    "pending_revisions",
    "upgrade_database",
]


def _migrations_dir() -> Path:
    return Path(str(resources.files("marrowscope.db").joinpath("migrations")))


def alembic_config(url: str) -> Config:
    """An Alembic ``Config`` for ``url`` that needs no alembic.ini on disk."""
    config = Config()
    location = _migrations_dir()
    config.set_main_option("script_location", str(location))
    config.set_main_option("version_locations", str(location / "versions"))
    config.set_main_option("path_separator", "os")
    # ConfigParser treats % as interpolation; a password may contain one.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade_database(url: str) -> list[str]:
    """Create or upgrade the schema at ``url`` to every branch head.

    Returns what ``alembic_version`` then holds (one revision per unmerged line).
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    finally:
        engine.dispose()
    return current_revisions(url)


def head_revisions() -> list[str]:
    """The head revision of every branch shipped with this version."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return sorted(script.get_heads())


def current_revisions(url: str) -> list[str]:
    """The revisions the database at ``url`` is at (empty for a new database)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def pending_revisions(url: str) -> list[str]:
    """Shipped revisions the database at ``url`` has not applied yet (empty: up to date).

    Alembic records only the newest revision of each line in ``alembic_version``; a
    revision that another branch depends on counts as applied through that branch.
    """
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    current = tuple(current_revisions(url))
    applied = (
        {r.revision for r in script.revision_map.iterate_revisions(current, "base")}
        if current
        else set()
    )
    shipped = {r.revision for r in script.walk_revisions()}
    return sorted(shipped - applied)


def is_up_to_date(url: str) -> bool:
    """Whether every shipped migration has been applied at ``url``."""
    return not pending_revisions(url)
