"""The pathologist's pages and the report's JSON API: draft, sign-out, amendment, addendum, release.

Routers: ``pathologist`` (case view and report editor), ``release`` (release to the
patient), ``api`` (JSON twins). ``bridge`` is the one way the other web capabilities reach
the reporting use cases; ``settings`` builds their settings from the app's.
"""
