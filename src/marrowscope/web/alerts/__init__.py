"""Care-team alerts on screen: the alert list, acknowledgement, and its JSON API.

Routers: ``pages`` and ``api``. The alert count and case banner of every staff page are
shared (``web.alert_banner``).
"""
