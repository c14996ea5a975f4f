"""The signer of a CLI signature: a real, active account of the right role, and its password.

``--user`` alone named whoever the caller liked (``report sign --user dr_nobody`` signed
as an account that does not exist); a signature at the terminal now checks the account
like the web does (``services.accounts.confirm_signer``, with its signing backoff).

The password is never a command-line option (``ps`` and the shell history would show
it). It is read, in this order, from the first line of stdin with ``--password-stdin``
(scripts, a secrets manager piping it in), from ``MARROWSCOPE_SIGNING_PASSWORD`` (a
service's environment), or from a hidden prompt when stdin is a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection
from typing import Annotated, TypeVar

import typer

from marrowscope.cli._common import parse_actor, run, uow_factory
from marrowscope.domain.accounts.model import User
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.reporting import parse_meaning
from marrowscope.domain.roles import Role
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["PASSWORD_ENV", "PasswordStdin", "SignatureMeaningOption", "signed_run"]

T = TypeVar("T")

PASSWORD_ENV = "MARROWSCOPE_SIGNING_PASSWORD"

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help=f"read the signer's password from stdin (else ${PASSWORD_ENV}, else a prompt)",
    ),
]
SignatureMeaningOption = Annotated[
    str, typer.Option("--meaning", help="what the signature means: authored, reviewed, approved")
]


def _password(from_stdin: bool) -> str:
    """The signer's password from stdin, the environment or a hidden prompt."""
    stdin = sys.stdin  # CliRunner replaces it with the input it was given
    if from_stdin:
        line = stdin.readline().rstrip("\r\n")
        if not line:
            raise InvalidInput("password: --password-stdin read an empty line")
        return line
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not stdin.isatty() or not sys.stdout.isatty():
        raise InvalidInput(
            f"password: give the signer's password with --password-stdin or {PASSWORD_ENV}"
        )
    return str(typer.prompt("Password (this is a signature)", hide_input=True))


def signed_run(
    user: str,
    role: str,
    from_stdin: bool,
    roles: Collection[Role],
    work: Callable[[UnitOfWork, User], T],
    meaning: str | None = None,
) -> T:
    """Check the signer (``user``'s account, its ``role``, its password), then run ``work``
    as that account in one unit of work; every refusal is one line and exit status 2."""
    from marrowscope.bootstrap import build_account_services
    from marrowscope.services.accounts import confirm_signer

    def act() -> T:
        named = parse_actor(user, role)
        if meaning is not None:
            parse_meaning(meaning)  # a misspelt meaning costs no password attempt
        factory = uow_factory()
        password = _password(from_stdin)
        signer = confirm_signer(build_account_services(factory).auth, user, password, roles)
        if signer.role is not named.role:
            raise InvalidInput(
                f"role: {signer.username} holds the {signer.role.value} role, "
                f"not {named.role.value}"
            )
        with factory() as uow:
            return work(uow, signer)

    return run(act)
