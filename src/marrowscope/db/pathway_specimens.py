"""SQL rows of specimens and the accession numbers they are labelled with.

Part of ``SqlPathwayRepository``, split out because accession numbers need their own
care: a number must never be handed out twice, even to concurrent writers, so it comes
from a row-locking upsert on ``accession_counter``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marrowscope.db.pathway_tables import accession_counter, specimen
from marrowscope.domain.errors import Conflict
from marrowscope.domain.lab import Specimen, SpecimenKind

__all__ = ["SpecimensMixin"]


def _specimen(r: Any) -> Specimen:
    return Specimen(
        id=r.id,
        case_id=r.case_id,
        accession=r.accession,
        kind=SpecimenKind(r.kind),
        collected_at=r.collected_at,
        collected_by=r.collected_by,
        received_at=r.received_at,
        notes=r.notes,
    )


class SpecimensMixin:
    """Specimens and accession serials, through the session of ``SqlPathwayRepository``."""

    _s: Session

    def add_specimen(
        self,
        case_id: int,
        accession: str,
        kind: SpecimenKind,
        *,
        collected_at: datetime,
        collected_by: str,
        notes: str = "",
    ) -> Specimen:
        if self.specimen_by_accession(accession) is not None:
            raise Conflict(f"accession {accession} is already used")
        try:
            with self._s.begin_nested():
                new_id = self._s.execute(
                    insert(specimen)
                    .values(
                        case_id=case_id,
                        accession=accession,
                        kind=kind.value,
                        collected_at=collected_at,
                        collected_by=collected_by,
                        notes=notes,
                    )
                    .returning(specimen.c.id)
                ).scalar_one()
        except IntegrityError as error:  # another writer took it between check and insert
            raise Conflict(f"accession {accession} is already used") from error
        return Specimen(new_id, case_id, accession, kind, collected_at, collected_by, None, notes)

    def get_specimen(self, specimen_id: int) -> Specimen | None:
        row = self._s.execute(select(specimen).where(specimen.c.id == specimen_id)).first()
        return None if row is None else _specimen(row)

    def specimen_by_accession(self, accession: str) -> Specimen | None:
        row = self._s.execute(select(specimen).where(specimen.c.accession == accession)).first()
        return None if row is None else _specimen(row)

    def specimens(self, case_id: int) -> Sequence[Specimen]:
        query = select(specimen).where(specimen.c.case_id == case_id).order_by(specimen.c.id)
        return [_specimen(r) for r in self._s.execute(query)]

    def set_specimen_received(self, specimen_id: int, at: datetime) -> None:
        self._s.execute(update(specimen).where(specimen.c.id == specimen_id).values(received_at=at))

    def max_accession(self, prefix: str) -> str | None:
        """The highest accession starting with ``prefix`` (e.g. 'BM26-')."""
        return self._s.execute(
            select(func.max(specimen.c.accession)).where(specimen.c.accession.like(f"{prefix}%"))
        ).scalar_one_or_none()

    def next_serial(self, prefix: str) -> int:
        """The next accession serial for ``prefix``, atomically (an upsert that locks the row).

        A new prefix starts after the highest number already used with it, so numbers
        typed in by hand are not handed out again.
        """
        last = self.max_accession(prefix)
        start = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        dialect = self._s.get_bind().dialect.name
        insert_fn = sqlite_insert if dialect == "sqlite" else pg_insert
        statement = insert_fn(accession_counter).values(prefix=prefix, last_serial=start)
        upsert = statement.on_conflict_do_update(
            index_elements=[accession_counter.c.prefix],
            set_={"last_serial": accession_counter.c.last_serial + 1},
        ).returning(accession_counter.c.last_serial)
        return int(self._s.execute(upsert).scalar_one())
