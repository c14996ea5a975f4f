"""``marrowscope hl7 listen|send|prune``: HL7 v2 over MLLP, and the message log's retention
(runbook: docs/interop.md, "Transport").

``listen`` hands every framed message to the same use case as ``import hl7`` (orders
and results), after storing it raw in the message log, and answers per MSH-15/16.
``send`` is the outbox: it queues every signed report version not yet in the log for
the destination (and any ``--case`` named) and delivers everything queued, retrying
until acknowledged; once, or every ``--every`` seconds as a service. The listener runs
in a thread so that SIGTERM and SIGINT, which Python delivers to the main thread, can
stop it gracefully.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Annotated, Any

import typer

from marrowscope.cli._common import parse_actor, run, uow_factory
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role

__all__ = ["register"]

hl7_app = typer.Typer(help="HL7 v2 over MLLP: listen, send, prune the message log.")
_log = logging.getLogger("marrowscope.mllp")


def _rules() -> Any:
    from marrowscope.cli.interop import _rules as rules

    return rules()


@hl7_app.command("listen")
def listen(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any)")],
    host: Annotated[str, typer.Option("--host", help="address to bind")] = "127.0.0.1",
    idle_timeout: Annotated[
        float, typer.Option("--idle-timeout", min=1, help="seconds a silent connection stays")
    ] = 60.0,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", min=1024, help="largest message accepted")
    ] = 1_000_000,
    max_connections: Annotated[
        int, typer.Option("--max-connections", min=1, max=1024, help="connections at once")
    ] = 32,
) -> None:
    """Receive HL7 orders and results over MLLP until SIGTERM or Ctrl-C."""
    from marrowscope.interop.mllp import Listener
    from marrowscope.services.interop import HL7Receiver

    def start() -> Listener:
        try:
            return Listener(
                HL7Receiver(uow_factory(), _rules()),
                host,
                port,
                idle_timeout_s=idle_timeout,
                max_bytes=max_bytes,
                max_connections=max_connections,
            )
        except OSError as error:
            raise InvalidInput(
                f"--port: cannot listen on {host}:{port} ({error.strerror})"
            ) from None

    listener = run(start)
    logging.getLogger("marrowscope").setLevel(logging.INFO)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serving = threading.Thread(target=listener.serve_forever, name="mllp", daemon=True)
    serving.start()
    bound_host, bound_port = listener.address
    typer.echo(f"MLLP listener on {bound_host}:{bound_port} (SIGTERM or Ctrl-C stops it)")
    while not stop.wait(0.5):
        if not serving.is_alive():
            break
    listener.stop()
    typer.echo("MLLP listener stopped", err=True)


def _destination(to: str) -> tuple[str, int]:
    host, sep, port = to.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput(f"--to: expected HOST:PORT, got {to!r}")
    return host, int(port)


def _since(text: str | None, retention_days: int, now: datetime) -> datetime:
    """The oldest signing the outbox looks at: ``--since``, never before the message
    log's retention (a pruned message is the only memory that a version went out)."""
    horizon = now - timedelta(days=retention_days)
    if not text:
        return horizon
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--since: expected a date YYYY-MM-DD, got {text!r}") from None
    return max(horizon, datetime.combine(day, time.min, tzinfo=UTC))


def _report(queued: list[Any], done: list[Any]) -> int:
    """Print one pass; how many messages were not acknowledged."""
    for entry in queued:
        typer.echo(
            f"case {entry.case_id}, report version {entry.report_version}: "
            f"message {entry.id} ({entry.status})"
        )
    failed = [e for e in done if e.status.value != "sent"]
    for entry in done:
        typer.echo(f"message {entry.id} ({entry.kind}, case {entry.case_id}): {entry.status}")
    typer.echo(f"{len(done) - len(failed)} sent, {len(failed)} not acknowledged", err=True)
    return len(failed)


@hl7_app.command("send")
def send(
    to: Annotated[str, typer.Option("--to", help="the receiver, HOST:PORT")],
    case: Annotated[
        list[int] | None, typer.Option("--case", help="queue this case's signed report first")
    ] = None,
    receiving: Annotated[str, typer.Option("--app", help="receiving application (MSH-5)")] = "HIS",
    attempts: Annotated[int, typer.Option("--attempts", min=1, max=50)] = 5,
    backoff: Annotated[float, typer.Option("--backoff", min=0, help="first wait, seconds")] = 1.0,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="seconds per try")] = 30.0,
    every: Annotated[
        float,
        typer.Option("--every", min=0, help="repeat every SECONDS until SIGTERM (0: once)"),
    ] = 0.0,
    since: Annotated[
        str | None, typer.Option("--since", help="only reports signed from this date (YYYY-MM-DD)")
    ] = None,
    user: Annotated[str, typer.Option("--user", help="who queues (audited)")] = "pathologist",
    role: Annotated[str, typer.Option("--role")] = Role.PATHOLOGIST.value,
) -> None:
    """Queue every signed report version not yet sent to HOST:PORT and deliver it over
    MLLP, retrying until AA/CA; AE/AR end in the error queue.

    Once: exits with 2 when any message was not acknowledged. With ``--every``: a pass
    every SECONDS until SIGTERM or Ctrl-C (then 0); failures wait in the error queue.
    """
    from marrowscope.bootstrap import build_account_services, export_site
    from marrowscope.config import get_settings
    from marrowscope.interop.mllp import deliver
    from marrowscope.services import interop

    settings = get_settings()
    host, port = run(lambda: _destination(to))
    actor = run(lambda: parse_actor(user, role))
    factory = run(uow_factory)
    stores = build_account_services(factory).stores
    outbound = interop.Outbound(to, receiving, settings.hl7_facility, export_site(settings))

    def one_pass(cases: list[int]) -> tuple[list[Any], list[Any]]:
        with factory() as uow:
            start = _since(since, settings.hl7_message_retention_days, uow.now())
        return interop.send_pass(
            factory, actor,
            lambda message: deliver(
                message, host, port, attempts=attempts, backoff_s=backoff, timeout_s=timeout
            ),
            outbound, since=start, cases=cases, stores=stores,
        )  # fmt: skip

    if not every:
        if _report(*run(lambda: one_pass(case or []))):
            raise typer.Exit(2)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    typer.echo(f"sending to {to} every {every:g} s (SIGTERM or Ctrl-C stops it)", err=True)
    _report(*run(partial(one_pass, case or [])))
    while not stop.wait(every):  # the named cases once; later passes find what is new
        _report(*run(partial(one_pass, [])))
    typer.echo("sender stopped", err=True)


@hl7_app.command("prune")
def prune(
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="keep this many days (default: the setting)"),
    ] = None,
) -> None:
    """Delete logged messages older than the retention period, except open errors."""
    from marrowscope.config import get_settings
    from marrowscope.services import interop

    def act() -> int:
        keep = days or get_settings().hl7_message_retention_days
        factory = uow_factory()
        with factory() as uow:
            return interop.prune_messages(uow, uow.now() - timedelta(days=keep))

    removed = run(act)
    typer.echo(f"{removed} messages removed from the message log")


def register(app: typer.Typer) -> None:
    """Add the ``hl7`` group."""
    app.add_typer(hl7_app, name="hl7")
