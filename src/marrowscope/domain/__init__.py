"""Pure domain core: standard library only, no I/O beyond reading its own tables.

Cut by capability like ``services/``: ``accounts``, ``ai_review``, ``alerts``, ``cases``,
``counting``, ``diagnosis``, ``interop``, ``lab``, ``pathway`` (with ``pathway.safety``) and
``reporting``. What every capability shares stays at the top, on purpose:

- ``errors``: the one exception tree every adapter maps to a message and a status;
- ``roles``: who acts (the actor and role every use case checks);
- ``audit``: the audit entry every clinical write appends;
- ``display_names``: the words and units every screen and the report show for stored keys;
- ``tables/``: the cited medical tables (TOML) the capabilities read.
"""
