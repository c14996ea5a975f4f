"""Security headers on every answer and one log line per request, as plain ASGI.

Starlette's ``@app.middleware("http")`` (BaseHTTPMiddleware) wraps every request in an
extra task and re-streams the answer through a memory channel; under 50 counters saving
at once that overhead was a measurable share of each save (benchmarks/load.py). This
class does the same two jobs on the ASGI messages themselves: headers are added to the
``http.response.start`` message, and the log line is written when the request ends.
A bug that escapes the routes is answered here (unexpected_error) so that even a 500
carries the headers, and is never shown as a traceback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marrowscope.web.errors import unexpected_error

__all__ = ["HeadersAndLog"]

_log = logging.getLogger("marrowscope.web")


class HeadersAndLog:
    """ASGI middleware: ``headers`` on every response (unless a route set its own)."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        answered = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                answered = True
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                for header, value in self.headers.items():
                    if header not in headers:
                        headers[header] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:  # a bug: answered here so it gets the headers
            if answered:
                raise
            response = unexpected_error(Request(scope, receive), error)
            await response(scope, receive, send_with_headers)
        finally:
            # the route template ("/patient/{patient_id}"), never the filled-in path or
            # query: identifiers of patients stay out of the logs
            template = getattr(scope.get("route"), "path", "?")
            _log.info(
                "%s %s %d %.1fms",
                scope.get("method", "?"),
                template,
                status,
                1000 * (time.perf_counter() - started),
            )
