"""A break-glass grant reaches the privacy officer through the alert channels: by e-mail
to a real local SMTP server (aiosmtpd) and as JSON to a local webhook receiver, with who,
which case (its number, never the patient's name or MRN), the reason and the end of the
access; a channel that is down keeps the delivery pending and retries it after its
backoff; each grant is queued once per channel and every step is audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from typing import Any

import pytest

from marrowscope.bootstrap import Settings, build_privacy_channels
from marrowscope.domain.alerts.escalation import DeliveryStatus
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases
from marrowscope.services.alerts import EscalationPolicy, run_alert_duties
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from tests.notify_support import free_port, local_receiver, local_smtp
from tests.services.conftest import FakeClock

OPERATOR = Actor("registrar", Role.CLINICIAN)  # a process: not scoped
NURSE = Actor("nurse.b", Role.NURSE, units=frozenset({"WARD B"}))
REASON = "covering ward A tonight, patient bleeding after the biopsy"
POLICY = EscalationPolicy(base_url="https://ms.example.org")


@pytest.fixture
def mailbox() -> Iterator[tuple[int, list[Any]]]:
    """A real SMTP server on a free local port; yields (port, received envelopes)."""
    with local_smtp() as box:
        yield box


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP receiver standing in for the privacy officer's system."""
    with local_receiver("/privacy") as got:
        yield got


def _grant(uow_factory: UnitOfWorkFactory) -> tuple[int, int]:
    """A case of ward A, opened by break-glass by a nurse of ward B: (case id, grant id)."""
    with uow_factory() as uow:
        patient = cases.register_patient(
            uow, OPERATOR, mrn="MRN-77123", family_name="Quarrington", given_name="Ida",
            birth_date=date(1951, 4, 2), sex=Sex.FEMALE,
        )  # fmt: skip
        case = cases.open_case(uow, OPERATOR, patient.id, ward="WARD A")
    with uow_factory() as uow:
        grant = cases.grant_break_glass(uow, NURSE, case.id, REASON)
    return case.id, grant.id


def _deliveries(uow_factory: UnitOfWorkFactory) -> list[tuple[str, str, int, str]]:
    from marrowscope.db.access_delivery_tables import SqlPrivacyOutbox

    with uow_factory() as uow:
        outbox = uow.bind(SqlPrivacyOutbox)
        rows = outbox.for_grants([g.id for g in uow.access.recent_grants()])
    return [(d.channel, d.status.value, d.attempts, d.last_error) for d in rows]


def test_a_grant_is_mailed_to_the_privacy_officer_with_who_case_reason_and_end(
    uow_factory: UnitOfWorkFactory, mailbox: tuple[int, list[Any]], clock: FakeClock
) -> None:
    """The officer's mail names the person, role, case number, reason and end of access,
    and never the patient's name or MRN; nobody else's address receives it."""
    port, received = mailbox
    settings = Settings(
        alert_smtp_host="127.0.0.1", alert_smtp_port=port,
        alert_email_care_team="ward@example.org", privacy_alert_email="privacy@example.org",
    )  # fmt: skip
    case_id, grant_id = _grant(uow_factory)

    report = run_alert_duties(uow_factory, POLICY, {}, privacy=build_privacy_channels(settings))

    assert (report.privacy_queued, report.privacy.sent, report.privacy.failed) == (1, 1, 0)
    assert [e.rcpt_tos for e in received] == [["privacy@example.org"]]
    mail = message_from_bytes(received[0].content)
    body = mail.get_payload(decode=True).decode()
    assert mail["X-Marrowscope-Break-Glass"] == str(grant_id)
    assert f"case {case_id}" in mail["Subject"] and "nurse.b" in mail["Subject"]
    assert "nurse.b (nurse)" in body and REASON in body
    assert "access ends: 2026-03-02 09:00 UTC" in body  # granted 08:00, 60 minutes
    assert f"https://ms.example.org/api/break-glass#grant-{grant_id}" in body
    for private in ("Quarrington", "Ida", "MRN-77123", "1951"):
        assert private not in body and private not in mail["Subject"]
    assert _deliveries(uow_factory) == [("email", "sent", 1, "")]


def test_a_grant_is_sent_once_and_each_step_is_audited(
    uow_factory: UnitOfWorkFactory, mailbox: tuple[int, list[Any]]
) -> None:
    """A second round queues and sends nothing more; the queueing and the sending are
    audit entries on the case, beside the grant's own."""
    port, received = mailbox
    channels = build_privacy_channels(
        Settings(alert_smtp_host="127.0.0.1", alert_smtp_port=port, privacy_alert_email="p@x.org")
    )
    case_id, grant_id = _grant(uow_factory)

    first = run_alert_duties(uow_factory, POLICY, {}, privacy=channels)
    second = run_alert_duties(uow_factory, POLICY, {}, privacy=channels)

    assert (first.privacy_queued, first.privacy.sent) == (1, 1)
    assert (second.privacy_queued, second.privacy.sent, second.privacy.failed) == (0, 0, 0)
    assert len(received) == 1
    with uow_factory() as uow:
        entries = [(e.entity, e.action.value) for e in uow.audit.for_case(case_id)]
    assert ("break_glass", "create") in entries
    assert ("break_glass_delivery", "create") in entries
    assert ("break_glass_delivery", "update") in entries


def test_a_relay_that_is_down_keeps_the_alert_pending_and_retries_after_the_backoff(
    uow_factory: UnitOfWorkFactory, mailbox: tuple[int, list[Any]], clock: FakeClock
) -> None:
    """Refused by a closed port: pending with the error; not tried again before its
    backoff (30 s); sent once the relay answers and the time has come."""
    port, received = mailbox
    down = build_privacy_channels(
        Settings(
            alert_smtp_host="127.0.0.1", alert_smtp_port=free_port(),
            privacy_alert_email="privacy@example.org", alert_channel_timeout_s=2,
        )
    )  # fmt: skip
    up = build_privacy_channels(
        Settings(alert_smtp_host="127.0.0.1", alert_smtp_port=port, privacy_alert_email="p@x.org")
    )
    _grant(uow_factory)

    failed = run_alert_duties(uow_factory, POLICY, {}, privacy=down)
    [(channel, status, attempts, error)] = _deliveries(uow_factory)
    clock.advance(seconds=29)
    too_soon = run_alert_duties(uow_factory, POLICY, {}, privacy=up)
    clock.advance(seconds=2)
    retried = run_alert_duties(uow_factory, POLICY, {}, privacy=up)

    assert (failed.privacy.sent, failed.privacy.failed) == (0, 1)
    assert (channel, status, attempts) == ("email", "pending", 1) and error
    assert (too_soon.privacy.sent, too_soon.privacy.failed) == (0, 0)
    assert retried.privacy.sent == 1 and len(received) == 1
    assert _deliveries(uow_factory) == [("email", DeliveryStatus.SENT.value, 2, "")]


def test_the_webhook_carries_the_grant_as_json_and_can_leave_the_reason_out(
    uow_factory: UnitOfWorkFactory, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """JSON with the grant, case, who and until, the bearer token; with
    ``privacy_alert_reason`` false the reason is in neither the JSON nor the text."""
    url, bodies = receiver
    settings = Settings(
        privacy_webhook_url=url, privacy_webhook_token="s3cret", privacy_alert_reason=False
    )
    case_id, grant_id = _grant(uow_factory)
    policy = EscalationPolicy(base_url="https://ms.example.org", privacy_reason=False)

    report = run_alert_duties(uow_factory, policy, {}, privacy=build_privacy_channels(settings))

    assert report.privacy.sent == 1
    [body] = bodies
    assert body["auth"] == "Bearer s3cret"
    assert (body["grant_id"], body["case_id"], body["event"]) == (grant_id, case_id, "break_glass")
    assert (body["username"], body["role"], body["for"]) == ("nurse.b", "nurse", "privacy")
    assert body["expires_at"].startswith("2026-03-02T09:00")
    assert "reason" not in body and "bleeding" not in json.dumps(body)
