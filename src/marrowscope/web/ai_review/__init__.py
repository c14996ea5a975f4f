"""AI pre-classification reviewed by a person: the review pages, field analysis and its JSON API.

Routers: ``review``, ``fields``, ``api``; ``gallery`` builds the gallery's view of a field.
"""
