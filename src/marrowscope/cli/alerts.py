"""``marrowscope alerts escalate``: one round of the alert duties, for cron.

The web app runs the same round every ``alert_check_seconds``; a site that sets that to
0 (or runs several web workers and wants one escalator) runs this every minute from
cron instead. Each step is idempotent, so both may run at once.
"""

from __future__ import annotations

import typer

from marrowscope.cli._common import run, uow_factory

__all__ = ["register"]

alerts_app = typer.Typer(help="Care-team alerts: escalation and notifications.")


@alerts_app.command("escalate")
def escalate() -> None:
    """Escalate urgent alerts not acknowledged in time, then queue and send notifications
    (break-glass grants to the privacy officer too)."""
    from marrowscope.bootstrap import build_alert_duties, build_privacy_channels, get_settings
    from marrowscope.services.alerts import run_alert_duties

    factory = uow_factory()
    settings = get_settings()
    policy, channels = build_alert_duties(settings)
    privacy = build_privacy_channels(settings)
    report = run(lambda: run_alert_duties(factory, policy, channels, privacy=privacy))
    typer.echo(
        f"escalated {report.escalated}, queued {report.queued}, sent {report.delivery.sent}, "
        f"failed {report.delivery.failed} (retried later), cancelled {report.delivery.cancelled}"
    )
    if privacy:
        typer.echo(
            f"break-glass: queued {report.privacy_queued}, sent {report.privacy.sent}, "
            f"failed {report.privacy.failed} (retried later)"
        )


def register(app: typer.Typer) -> None:
    """Add the ``alerts`` command group."""
    app.add_typer(alerts_app, name="alerts")
