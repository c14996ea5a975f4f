"""``marrowscope demo``: what ``make run`` shows on a fresh machine.

It prints the report of a built-in, invented 500-cell count; with ``--serve`` (what
``make run`` passes) it then prepares the SQLite database with the demo case and the
demo accounts and serves the web app on localhost.
"""

from __future__ import annotations

import typer

from marrowscope.cli._common import fail
from marrowscope.cli.differential_text import render_assessment
from marrowscope.domain.counting.assessment import assess
from marrowscope.domain.counting.differential import demo_counts
from marrowscope.domain.errors import MarrowscopeError

__all__ = ["demo", "register"]


def demo(
    serve: bool = typer.Option(
        False, "--serve", help="then prepare the database and serve the web app (make run)"
    ),
    host: str | None = typer.Option(None, help="address for --serve (default 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port for --serve (default 8000)"),
) -> None:
    """Print the differential report of the built-in demo count (not a patient).

    With ``--serve``: migrate the SQLite database, seed the demo case and the demo
    accounts where absent, and serve the web app on localhost.
    """
    try:
        if serve:  # refused before anything is printed, created or served
            from marrowscope.bootstrap import get_settings, refuse_demo_in_production

            refuse_demo_in_production(get_settings())
        report = render_assessment(assess(demo_counts()))
    except MarrowscopeError as error:
        raise fail(error) from None
    typer.echo("Demo count (invented, not a patient)\n")
    typer.echo(report)
    if serve:
        _serve_demo(host, port)


def _serve_demo(host: str | None, port: int | None) -> None:
    """Prepare the demo database and serve it (the web app's part of ``make run``)."""
    from marrowscope.bootstrap import get_settings, prepare_demo
    from marrowscope.cli.serve import run_server
    from marrowscope.services.accounts import DEMO_USERS

    try:
        settings = get_settings()
        ids = prepare_demo(settings)
    except MarrowscopeError as error:
        raise fail(error) from None
    chosen_host = host or settings.host
    chosen_port = port or settings.port
    from sqlalchemy.engine import make_url

    shown = make_url(settings.database_url).render_as_string(hide_password=True)  # no password
    typer.echo(f"\nDemo case #{ids.case_id} is in {shown}")
    typer.echo("Demo accounts (username / password / role):")
    for user in DEMO_USERS:
        typer.echo(f"  {user.username:<14} {user.password:<20} {user.role.value}")
    typer.echo(f"\nmarrowscope web app on http://{chosen_host}:{chosen_port}/ (Ctrl-C stops it)")
    run_server(settings, chosen_host, chosen_port)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the main app."""
    app.command("demo")(demo)
