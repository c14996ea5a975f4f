"""Helpers every ``marrowscope`` command module shares.

Kept in one place so that every command maps a deliberate error the same way (one
``error: ...`` line on stderr, exit status 2), parses ``--user``/``--role`` the same way
and reaches the database through the same composition root. ``CliRunner`` bypasses
``app.main()``, so commands must map errors themselves rather than rely on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Actor, Role

if TYPE_CHECKING:
    from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["export_group", "fail", "parse_actor", "run", "uow_factory"]

T = TypeVar("T")


def fail(error: MarrowscopeError) -> typer.Exit:
    """Print ``error`` on stderr and return the exit-2 signal for the caller to raise.

    Returned rather than raised so that callers can write ``raise fail(e) from None`` and
    type checkers see the branch end.
    """
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(2)


def run(action: Callable[[], T]) -> T:
    """Run ``action``; a deliberate error goes to stderr with exit status 2."""
    try:
        return action()
    except MarrowscopeError as error:
        raise fail(error) from None
    except OverflowError:
        # A number typed on the command line that no database column holds (an id past
        # 2**63 - 1): a refusal like any other, not a traceback.
        raise fail(InvalidInput("a number given is out of range (at most 2**63 - 1)")) from None


def parse_actor(user: str, role: str) -> Actor:
    """The member of staff named by ``--user``/``--role``.

    Raises ``InvalidInput`` (not ``typer.Exit``) so that, called inside ``run``, a bad
    role reads and exits exactly like every other bad input.
    """
    try:
        return Actor(user, Role(role))
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(r.value for r in Role)}") from None


def uow_factory() -> UnitOfWorkFactory:
    """A unit-of-work factory on the configured database.

    Bootstrap is imported here, not at module top, so that commands which never touch
    the database (``differential``, ``classify``) start without SQLAlchemy.
    """
    from marrowscope.bootstrap import (
        build_engine,
        build_uow_factory,
        check_database_ready,
        get_settings,
    )

    settings = get_settings()
    check_database_ready(settings)  # a one-line "run db upgrade", not a SQL traceback
    return build_uow_factory(build_engine(settings), settings=settings)


def export_group(app: typer.Typer) -> typer.Typer:
    """The ``export`` group already registered on ``app``, or a new one.

    Several modules add commands to ``export``; whichever registers first creates it, so
    the order of ``_GROUPS`` in ``cli/app.py`` does not matter.
    """
    for info in app.registered_groups:
        if info.name == "export" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Export data from marrowscope.", no_args_is_help=True)
    app.add_typer(group, name="export")
    return group
