"""``marrowscope hl7 listen|send|prune``: HL7 v2 over MLLP, and the message log's retention
(runbook: docs/interop.md, "Transport").

``listen`` hands every framed message to the same use case as ``import hl7`` (orders
and results), after storing it raw in the message log, and answers per MSH-15/16.
``send`` queues signed reports (``--case``) and delivers everything queued, retrying
until acknowledged. The listener runs in a thread so that SIGTERM and SIGINT, which
Python delivers to the main thread, can stop it gracefully.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
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
    user: Annotated[str, typer.Option("--user", help="who queues (audited)")] = "pathologist",
    role: Annotated[str, typer.Option("--role")] = Role.PATHOLOGIST.value,
) -> None:
    """Deliver queued results over MLLP, retrying until AA/CA; AE/AR end as errors.

    Exits with 2 when any message was not acknowledged (it stays in the error queue).
    """
    from marrowscope.bootstrap import build_account_services, export_site
    from marrowscope.config import get_settings
    from marrowscope.interop.mllp import deliver
    from marrowscope.services import interop

    def act() -> list[Any]:
        host, port = _destination(to)
        actor = parse_actor(user, role)
        factory = uow_factory()
        for case_id in case or []:
            with factory() as uow:
                interop.queue_report(
                    uow,
                    actor,
                    case_id,
                    stores=build_account_services(factory).stores,
                    receiving=receiving,
                    facility=get_settings().hl7_facility,
                    destination=to,
                    site=export_site(),
                )
        return interop.deliver_queued(
            factory,
            lambda message: deliver(
                message, host, port, attempts=attempts, backoff_s=backoff, timeout_s=timeout
            ),
            destination=to,
        )

    done = run(act)
    failed = [e for e in done if e.status.value != "sent"]
    for entry in done:
        typer.echo(f"message {entry.id} ({entry.kind}, case {entry.case_id}): {entry.status}")
    typer.echo(f"{len(done) - len(failed)} sent, {len(failed)} not acknowledged", err=True)
    if failed:
        raise typer.Exit(2)


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
