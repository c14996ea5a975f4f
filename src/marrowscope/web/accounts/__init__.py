"""Sign-in, one's own account, the admin's accounts page and the accounts JSON API.

Routers: ``auth`` (sign-in and sign-out), ``account`` (password), ``admin``, ``api``,
``session_api`` (sign-in for API clients, who am I).
"""
