"""The FastAPI web app, cut by capability like ``services/``.

Each capability package holds its routers (a router parses, calls one use case, renders),
its form readers and its views: ``accounts``, ``ai_review``, ``alerts``, ``counting``,
``lab``, ``pathway`` and ``reporting``. Shared at the top, on purpose: ``app`` (the
composition of routers), ``deps`` (sign-in, roles, CSRF), ``errors`` and ``middleware``,
``pages`` (the page frame), ``forms`` and ``form_state`` (form fields that keep what was
typed), ``readable`` (template filters), ``alert_banner`` (the alert count and case
banner of every staff page, local times in words), ``api_models``, ``client_address``, ``path_ids``,
``docs`` (the OpenAPI
page), and the one ``templates/`` and ``static/`` folder the app serves.
"""
