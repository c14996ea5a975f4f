"""Integrated diagnosis on screen: its JSON API, the pathologist's panel and "adopt into the
report". Routers: ``api`` (``GET /api/cases/{id}/diagnosis``) and ``adopt``; ``views``
turns the panel into JSON and into the text the report keeps.
"""
