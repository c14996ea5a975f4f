"""The notification channels against real local servers: e-mail through an aiosmtpd SMTP
server, the webhook through an ``http.server`` receiver on 127.0.0.1; a channel that is
down raises (so the delivery stays pending) instead of failing silently."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from marrowscope.domain.alerts.escalation import NotifyEvent, message_for
from marrowscope.domain.alerts.model import Alert, AlertSource
from marrowscope.domain.pathway.aftercare import EscalationLevel
from marrowscope.notify.smtp import EmailChannel
from marrowscope.notify.webhook import WebhookChannel
from tests.notify_support import free_port, local_receiver, local_smtp

ALERT = Alert(
    id=7, case_id=42, patient_id=3, record_id=9, level=EscalationLevel.URGENT,
    reason="Bleeding that does not stop after 10 minutes of firm pressure",
    source=AlertSource.PATIENT_CHECK_IN, raised_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
    raised_by="patient", patient_phone="07700 900123", patient_notes="soaked two pads",
    escalated_at=datetime(2026, 3, 2, 8, 15, tzinfo=UTC), escalated_to="on_call_haematologist",
)  # fmt: skip


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    """A real SMTP server (aiosmtpd) on a free local port; yields (port, received)."""
    with local_smtp() as box:
        yield box


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP receiver standing in for a paging system; yields (url, bodies)."""
    with local_receiver("/page") as got:
        yield got


def test_an_escalation_reaches_the_on_call_address_by_smtp_without_clinical_detail(
    smtp_server: tuple[int, list[Any]],
) -> None:
    port, received = smtp_server
    channel = EmailChannel(
        "127.0.0.1", port, "alerts@example.org", care_team=("ward@example.org",),
        on_call=("oncall@example.org",), timeout_s=5,
    )  # fmt: skip

    channel.send(message_for(ALERT, NotifyEvent.ESCALATED, "https://ms.example.org"))

    [mail] = received
    text = mail.content.decode()
    assert mail.rcpt_tos == ["oncall@example.org"]
    assert "Subject: [marrowscope] ESCALATED: Urgent alert on case 42" in text
    assert "https://ms.example.org/alerts#alert-7" in text
    for private in ("Bleeding", "07700", "soaked", "patient 3"):
        assert private not in text


def test_the_webhook_posts_the_alert_to_the_paging_receiver(
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, bodies = receiver
    WebhookChannel(url, token="s3cret", timeout_s=5).send(
        message_for(ALERT, NotifyEvent.ESCALATED, "http://127.0.0.1:8000")
    )

    [body] = bodies
    assert body["auth"] == "Bearer s3cret"
    assert (body["alert_id"], body["case_id"], body["level"], body["event"]) == (
        7, 42, "urgent", "escalated",
    )  # fmt: skip
    assert body["for"] == "on_call_haematologist"
    assert "Bleeding" not in json.dumps(body) and "07700" not in json.dumps(body)


def test_a_channel_that_is_down_raises_so_the_delivery_stays_pending() -> None:
    closed = free_port()  # nothing listens there
    message = message_for(ALERT, NotifyEvent.RAISED, "http://127.0.0.1:8000")

    with pytest.raises(OSError):
        EmailChannel("127.0.0.1", closed, "a@example.org", ("b@example.org",), timeout_s=2).send(
            message
        )
    with pytest.raises(OSError):
        WebhookChannel(f"http://127.0.0.1:{closed}/page", timeout_s=2).send(message)
