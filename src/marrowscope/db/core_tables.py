"""The tables every area builds on: patient, examination case, audit log.

Created by migration ``pathway_0001`` (branch ``pathway``); other branches declare
``depends_on = "pathway_0001"`` so that their foreign keys to these tables resolve.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from marrowscope.db.base import JsonDocument, UtcDateTime, metadata

__all__ = ["audit_log", "exam_case", "patient"]

patient = Table(
    "patient",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mrn", String(32), nullable=False, unique=True),
    Column("family_name", String(200), nullable=False),
    Column("given_name", String(200), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # optional; for the care team to ring back (added by pathway_0005)
    Column("phone", String(32), nullable=False, server_default="", default=""),
)

exam_case = Table(
    "exam_case",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Integer, ForeignKey("patient.id"), nullable=False, index=True),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("opened_by", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason_closed", Text, nullable=False, default=""),
    # the ordering ward, whose clinical staff see the case (added by audit_0002)
    Column("ward", String(40), nullable=False, server_default="", default="", index=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_username", String(64), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    # {"field": {"old": ..., "new": ...}}; values are JSON scalars or lists/dicts
    Column("changes", JsonDocument, nullable=False),
    # the case the change belongs to, so that a case's history is one query
    Column("case_id", Integer, nullable=True),
    # the hash chain (added by audit_0001; ``domain.audit_chain``): the entry's position,
    # the hash of the entry before it and its own keyed hash
    Column("seq", Integer, nullable=False, unique=True),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_audit_log_entity", "entity", "entity_id"),
    Index("ix_audit_log_case_id", "case_id"),
)
