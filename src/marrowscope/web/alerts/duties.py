"""The alert duties in the web app: a background loop started in the app's lifespan.

Every ``alert_check_seconds`` it runs ``services.alerts.run_alert_duties`` in a worker
thread (the database and the channels block): escalate overdue urgent alerts, queue
their notifications, send what is due. The units of work carry the app's clock, so a
test that injects a clock into ``create_app`` moves escalation with it. A failing round
is logged by its exception's type only (a database error's text may quote patient
data) and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI

__all__ = ["alert_duties_lifespan", "loop_alert_duties"]

_log = logging.getLogger("marrowscope.alerts")


async def loop_alert_duties(
    run_once: Callable[[], object], interval_s: float, stop: asyncio.Event
) -> None:
    """Call ``run_once`` (in a thread) every ``interval_s`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(run_once)
        except Exception as problem:  # keep escalating whatever one round did
            _log.error("alert duties failed: %s", type(problem).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


def alert_duties_lifespan(
    run_once: Callable[[], object] | None, interval_s: float
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan that runs the loop while the app serves (nothing when ``run_once`` is
    None or ``interval_s`` is 0)."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_once is None or interval_s <= 0:
            yield
            return
        stop = asyncio.Event()
        task = asyncio.create_task(loop_alert_duties(run_once, interval_s, stop))
        try:
            yield
        finally:
            stop.set()
            await task

    return lifespan
