"""Notification channels for care-team alerts: adapters of ``services.alerts.Notifier``.

``smtp.EmailChannel`` sends e-mail through an SMTP relay (stdlib ``smtplib``);
``webhook.WebhookChannel`` POSTs JSON to a paging system (stdlib ``urllib``). Both raise
on any failure and leave retrying to ``services.alerts.deliver_pending``.
"""
