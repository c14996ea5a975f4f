"""The differential counter's pages, its JSON API (draft saves, finish, keymaps) and the count log.

Routers: ``api`` (mounted first: the draft save is the busiest route), ``counter``, ``count_log``,
``reading_api`` (counts read back).
"""
