"""The laboratory's pages: accessioning, worklists, results with verification, the overdue board.

Routers: ``pages`` and ``api`` (JSON twins); ``forms`` reads the lab's forms into use-case inputs.
"""
