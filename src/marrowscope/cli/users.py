"""``marrowscope users units USERNAME [--set UNITS]``: the wards and laboratory an
account works in, read or replaced from the server's shell.

The same rule as the admin's page and ``PUT /api/users/{id}/units``
(``services.cases.set_units``): units are cleaned and stored upper case, the change is
audited (as the installer: whoever holds the server's shell and database settings).
It is how a site rolling out case scoping gives its staff their units in one script
(docs/access.md) before any admin signs in.
"""

from __future__ import annotations

import typer

from marrowscope.cli._common import run, uow_factory

__all__ = ["register"]

users_app = typer.Typer(help="Accounts: the wards and laboratory each one works in.")

# who the installer's reads act as: an admin who is no one signed in (the audit names it)
_INSTALLER = "installer"


@users_app.command("units")
def units(
    username: str = typer.Argument(..., help="the account's username"),
    set_to: str | None = typer.Option(
        None,
        "--set",
        help='comma-separated units replacing the account\'s, e.g. "HAEM,LAB"; '
        '"" removes every unit',
    ),
) -> None:
    """Print the account's units; with ``--set``, replace them first (audited)."""
    from marrowscope.bootstrap import build_account_services
    from marrowscope.domain.errors import NotFound
    from marrowscope.domain.roles import Actor, Role
    from marrowscope.services.accounts import list_users
    from marrowscope.services.cases import set_units, units_of

    factory = uow_factory()
    stores = build_account_services(factory).stores

    def act() -> frozenset[str]:
        with factory() as uow:
            found = [
                u
                for u in list_users(uow, stores, Actor(_INSTALLER, Role.ADMIN))
                if u.username == username.strip()
            ]
            if not found:
                raise NotFound(f"no account {username.strip()!r}")
            if set_to is None:
                return units_of(uow, found[0].id)
            names = [u for u in set_to.split(",") if u.strip()]
            return set_units(uow, None, found[0].id, names)

    result = run(act)
    typer.echo(f"{username.strip()}: {', '.join(sorted(result)) or '(no unit)'}")


def register(app: typer.Typer) -> None:
    """Add the ``users`` command group."""
    app.add_typer(users_app, name="users")
