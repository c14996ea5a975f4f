"""A webhook for a paging system (stdlib ``urllib.request``): JSON POSTed to one URL.

The body names the alert, the case, the level, the event, who it is for and the link;
no symptom and no patient name. A break-glass grant's body names the grant instead of an
alert and adds its facts (who, role, reason, granted and ending: see
``domain.alerts.privacy``). Any answer outside 2xx, a refused connection or a timeout
raises, and the delivery is retried later.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass

from marrowscope.domain.alerts.escalation import Audience, Message, NotifyEvent

__all__ = ["WebhookChannel"]


@dataclass(frozen=True, slots=True)
class WebhookChannel:
    """POST to ``url``; ``token`` (optional) goes in an ``Authorization: Bearer`` header."""

    url: str
    token: str = ""
    timeout_s: float = 10.0

    @property
    def name(self) -> str:
        """The channel's name in the delivery log."""
        return "webhook"

    def send(self, message: Message) -> None:
        """POST the message as JSON or raise (``OSError``, ``urllib.error.URLError``)."""
        if not self.url.startswith(("http://", "https://")):
            raise ValueError("the webhook URL must start with http:// or https://")
        if message.event is NotifyEvent.BREAK_GLASS:
            body: dict[str, object] = {
                "grant_id": message.alert_id,
                "case_id": message.case_id,
                "event": message.event.value,
                "for": message.audience.value,
                "summary": message.subject,
                "link": message.link,
                **message.facts,
            }
        else:
            body = self._care_body(message)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310
            if not 200 <= answer.status < 300:
                raise OSError(f"webhook answered {answer.status}")

    @staticmethod
    def _care_body(message: Message) -> dict[str, object]:
        return {
            "alert_id": message.alert_id,
            "case_id": message.case_id,
            "level": message.level,
            "event": message.event.value,
            "for": message.escalated_to
            if message.audience is Audience.ON_CALL and message.escalated_to
            else message.audience.value,
            "summary": message.subject,
            "link": message.link,
        }
