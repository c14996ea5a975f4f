"""Helpers every ``marrowscope`` command module shares.

Kept in one place so that every command maps a deliberate error the same way (one
``error: ...`` line on stderr, exit status 2), parses ``--user``/``--role`` the same way
and reaches the database through the same composition root. ``CliRunner`` bypasses
``app.main()``, so commands must map errors themselves rather than rely on it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.roles import Actor, Role

if TYPE_CHECKING:
    from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = [
    "IMAGE_MAX_BYTES",
    "MESSAGE_MAX_BYTES",
    "TEXT_MAX_BYTES",
    "check_input_file",
    "export_group",
    "fail",
    "parse_actor",
    "read_input_file",
    "read_input_text",
    "run",
    "uow_factory",
]

T = TypeVar("T")

# What one command reads from a file a person names, at most. Far above any real input
# (a count CSV is a few hundred bytes, an HL7 or FHIR message with a report PDF a few MB,
# a smear field image tens of MB), far below what would exhaust memory.
TEXT_MAX_BYTES = 16 * 1024 * 1024
MESSAGE_MAX_BYTES = 64 * 1024 * 1024
IMAGE_MAX_BYTES = 256 * 1024 * 1024


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


def check_input_file(path: Path, max_bytes: int) -> int:
    """Size of the regular file ``path``; ``InvalidInput`` for anything else or too large.

    For files that an adapter opens itself (images): a FIFO would block the open forever,
    ``/dev/zero`` never ends and a sparse 5 GB file ends in MemoryError, so the size is
    checked on the inode before a byte is read.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be read ({error.strerror or error})") from None
    return _checked_size(path, info, max_bytes)


def read_input_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, refused by type and size before reading.

    Opened with ``O_NONBLOCK`` and checked with ``fstat`` on the open descriptor, so a path
    swapped for a FIFO between the check and the read cannot make the command hang; the
    read stops at ``max_bytes + 1`` in case the file grows meanwhile.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        _checked_size(path, os.fstat(descriptor), max_bytes)
    except InvalidInput:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as stream:
        try:
            data = stream.read(max_bytes + 1)
        except OSError as error:
            raise InvalidInput(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise InvalidInput(f"{path}: larger than the {max_bytes:,} bytes this command reads")
    return data


def read_input_text(path: Path, max_bytes: int, what: str, encoding: str = "utf-8") -> str:
    """``read_input_file`` decoded; ``what`` names the expected content in the refusal."""
    try:
        return read_input_file(path, max_bytes).decode(encoding)
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text (expected {what})") from None


def _checked_size(path: Path, info: os.stat_result, max_bytes: int) -> int:
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"{path}: not a regular file (a pipe or device is not read)")
    if info.st_size > max_bytes:
        raise InvalidInput(f"{path}: {info.st_size:,} bytes, over the limit of {max_bytes:,} bytes")
    return info.st_size


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
