"""The floor of benchmarks/load.py: a minimal FastAPI app that answers a constant.

Every path and method gets the same small JSON answer from a plain ``def`` route (run in
the thread pool, as marrowscope's routes are), so what load.py measures against it is
uvicorn, Starlette routing, the thread pool, loopback TCP and the load driver itself, on
the same machine in the same run: marrowscope's figures divided by these are its overhead.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.api_route("/{path:path}", methods=["GET", "POST"])
def constant(path: str) -> dict[str, bool]:
    """The same answer for every request; ``path`` is ignored."""
    return {"ok": True}
