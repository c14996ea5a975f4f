"""``marrowscope serve``: migrate the database, then serve the web app with uvicorn."""

from __future__ import annotations

import logging

import typer

from marrowscope.bootstrap import Settings, get_settings, upgrade_database
from marrowscope.cli._common import fail
from marrowscope.domain.errors import MarrowscopeError

__all__ = ["register", "serve", "run_server"]


def run_server(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted; no access log, since paths hold record identifiers.

    The app is named by its import string (uvicorn's factory mode): the CLI and the
    web app are sibling adapters and do not import each other. The factory reads the
    same environment as ``settings`` here. ``workers`` > 1 starts that many processes
    on one port: nothing a request needs lives in one process's memory (sessions and
    sign-in limits are in the database), so any worker may answer any request.
    """
    import uvicorn

    logging.getLogger("marrowscope").setLevel(logging.INFO)
    _ = settings  # read again by the factory from the same environment
    uvicorn.run(
        "marrowscope.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        # X-Forwarded-For is read by the app, from MARROWSCOPE_TRUSTED_PROXIES only
        # (web/client_address.py); uvicorn's default trusts it from any loopback peer.
        proxy_headers=False,
        workers=workers,
    )


def serve(
    host: str | None = typer.Option(None, help="address to listen on (default 127.0.0.1)"),
    port: int | None = typer.Option(None, help="port to listen on (default 8000)"),
    workers: int = typer.Option(
        1, min=1, max=64, help="server processes (PostgreSQL: up to the cores; SQLite: 1)"
    ),
) -> None:
    """Serve the web app on http://HOST:PORT (the database is migrated first)."""
    try:
        settings = get_settings()
        upgrade_database(settings)
    except MarrowscopeError as error:
        raise fail(error) from None
    chosen_host = host or settings.host
    chosen_port = port or settings.port
    typer.echo(f"marrowscope web app on http://{chosen_host}:{chosen_port}/ (Ctrl-C stops it)")
    run_server(settings, chosen_host, chosen_port, workers)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""
    app.command("serve")(serve)
