"""E-mail over SMTP (stdlib ``smtplib``): the first channel an alert goes through.

The message carries what ``domain.alerts.escalation.message_for`` wrote: the case, the
level and the link, never a symptom or a name (mail crosses servers the hospital does
not own). Addresses are per audience: the care team for a raised alert, the on-call
list for an escalation (the care team's when no on-call list is configured), the
privacy officer's for a break-glass grant (never anyone else's: a grant is not care).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from marrowscope.domain.alerts.escalation import Audience, Message, NotifyEvent

__all__ = ["EmailChannel"]


@dataclass(frozen=True, slots=True)
class EmailChannel:
    """One SMTP relay and the addresses of each audience."""

    host: str
    port: int
    sender: str
    care_team: tuple[str, ...]
    on_call: tuple[str, ...] = ()
    privacy: tuple[str, ...] = ()
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout_s: float = 10.0

    @property
    def name(self) -> str:
        """The channel's name in the delivery log."""
        return "email"

    def recipients(self, audience: Audience) -> tuple[str, ...]:
        """Who receives a message for ``audience``."""
        if audience is Audience.PRIVACY:
            return self.privacy
        if audience is Audience.ON_CALL and self.on_call:
            return self.on_call
        return self.care_team

    def send(self, message: Message) -> None:
        """Send or raise (``OSError``, ``smtplib.SMTPException``, ``LookupError``)."""
        to = self.recipients(message.audience)
        if not to:
            raise LookupError(f"no e-mail address for {message.audience.value}")
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = ", ".join(to)
        if message.event is NotifyEvent.BREAK_GLASS:
            mail["X-Marrowscope-Break-Glass"] = str(message.alert_id)
        else:
            mail["X-Marrowscope-Alert"] = str(message.alert_id)
        mail.set_content(message.text)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail)
