"""``marrowscope audit verify|prune``: check the audit log's hash chain; apply the retention.

``verify`` exits 0 with one line (entries checked, last position and hash: record that
line outside the database, e.g. in the operations log, and pass it back with ``--expect``
to detect entries cut from the end); 1 with the first bad entry and why; 2 for bad input.
``prune`` deletes only entries older than ``MARROWSCOPE_AUDIT_RETENTION_DAYS``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from marrowscope.cli._common import parse_actor, run, uow_factory

if TYPE_CHECKING:
    from marrowscope.domain.audit_chain import ChainReport
    from marrowscope.services.audit import PruneOutcome

__all__ = ["register"]

audit_app = typer.Typer(help="The audit log: verify its hash chain, prune by retention.")


@audit_app.command("verify")
def verify(
    expect: str = typer.Option(
        "", "--expect", help="POSITION:HASH printed by an earlier verify, kept elsewhere"
    ),
) -> None:
    """Check every entry against its neighbours, the chain head and ``--expect``."""
    from marrowscope.services.audit import verify_audit_log

    def check() -> ChainReport:
        with uow_factory()() as uow:
            return verify_audit_log(uow, expect)

    report = run(check)
    if not report.ok:
        typer.echo(
            f"audit log BROKEN at entry {report.bad_seq}: {report.reason} "
            f"({report.checked} entries before it checked)"
        )
        raise typer.Exit(1)
    typer.echo(
        f"audit log intact: {report.checked} entries checked; "
        f"last entry {report.last_seq}:{report.last_hash}"
    )


@audit_app.command("prune")
def prune(
    user: str = typer.Option("cli", "--user", help="who prunes (recorded in the log)"),
) -> None:
    """Delete the entries older than the retention period (default six years)."""
    from marrowscope.bootstrap import get_settings
    from marrowscope.services.audit import prune_audit_log

    days = get_settings().audit_retention_days

    def apply() -> PruneOutcome:
        with uow_factory()() as uow:
            return prune_audit_log(uow, parse_actor(user, "admin"), days)

    outcome = run(apply)
    typer.echo(
        f"pruned {outcome.deleted} entries older than {days} days "
        f"(the log now starts after entry {outcome.through_seq})"
    )


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group."""
    app.add_typer(audit_app, name="audit")
