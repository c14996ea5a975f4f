"""The API's description behind sign-in: ``/openapi.json`` and a readable ``/docs`` page.

FastAPI's Swagger page loads its script from a CDN, which a hospital network (and this
offline build) may not reach, so ``/docs`` is rendered here from the same OpenAPI
document.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from marrowscope.web.deps import STAFF, SignedIn, require
from marrowscope.web.pages import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

Staff = Annotated[SignedIn, Depends(require(*STAFF))]


def _schema(request: Request) -> dict[str, Any]:
    schema: dict[str, Any] = request.app.openapi()
    return schema


@router.get("/openapi.json")
def openapi_json(request: Request, me: Staff) -> Response:
    """The OpenAPI 3 document of the JSON API."""
    return JSONResponse(_schema(request))


@router.get("/docs")
def docs(request: Request, me: Staff) -> Response:
    """Every API operation with its method, path and summary."""
    operations = []
    for path, methods in sorted(_schema(request).get("paths", {}).items()):
        for method, op in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                }
            )
    return render(request, "docs.html", me, operations=operations)
