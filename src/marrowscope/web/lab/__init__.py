"""The laboratory's pages: accessioning, worklists, results with verification, the overdue board.

Routers: ``pages``, ``api`` (JSON twins) and ``overdue_api``; ``forms`` reads the lab's
forms into use-case inputs.
"""
