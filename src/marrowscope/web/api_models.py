"""Response models and small converters shared by the JSON API routers.

The pages and the API call the same services; these models only say, for OpenAPI and
for clients, what comes back. Times are ISO 8601; the new routes take times with their
zone only (pydantic's ``AwareDatetime``): a time without one is a 422, not a guess.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from marrowscope.domain.lab import LabTest

__all__ = ["Done", "LabTestOut"]


class LabTestOut(BaseModel):
    """A laboratory test and where it stands in its state machine."""

    id: int
    specimen_id: int
    test_type: str
    state: str
    state_reason: str
    ordered_at: datetime
    received_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, test: LabTest) -> LabTestOut:
        """The API's view of a domain test."""
        return cls(
            id=test.id,
            specimen_id=test.specimen_id,
            test_type=test.test_type.value,
            state=test.state.value,
            state_reason=test.state_reason,
            ordered_at=test.ordered_at,
            received_at=test.received_at,
            updated_at=test.updated_at,
        )


class Done(BaseModel):
    """A write that has nothing more to say than that it was done."""

    status: str = "done"
