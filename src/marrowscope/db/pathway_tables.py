"""Tables of the clinical pathway (branch ``pathway``, revision ``pathway_0002``).

Versioned clinical documents (CBC, order, assessment, procedure, aftercare, check-in)
share ``clinical_record``: a correction inserts a new version and marks the old one
superseded, so nothing is overwritten or deleted. Specimens, tests, their state
history and result versions have their own tables because they are queried by
accession number, state and age (the overdue list).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from marrowscope.db.base import JsonDocument, UtcDateTime, metadata

__all__ = [
    "accession_counter",
    "clinical_record",
    "lab_result",
    "lab_test",
    "lab_test_event",
    "specimen",
]

clinical_record = Table(
    "clinical_record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("payload", JsonDocument, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("supersedes_id", Integer, ForeignKey("clinical_record.id"), nullable=True),
    Column("superseded_at", UtcDateTime, nullable=True),
    Column("correction_reason", Text, nullable=False, default=""),
    Index("ix_clinical_record_case_kind", "case_id", "kind"),
)

specimen = Table(
    "specimen",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("exam_case.id"), nullable=False, index=True),
    Column("accession", String(32), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("collected_at", UtcDateTime, nullable=False),
    Column("collected_by", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=True),
    Column("notes", Text, nullable=False, default=""),
)

lab_test = Table(
    "lab_test",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("specimen_id", Integer, ForeignKey("specimen.id"), nullable=False, index=True),
    Column("test_type", String(32), nullable=False),
    Column("state", String(16), nullable=False, index=True),
    Column("ordered_at", UtcDateTime, nullable=False),
    Column("ordered_by", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=True),
    Column("state_reason", Text, nullable=False, default=""),
    Column("updated_at", UtcDateTime, nullable=False),
)

lab_test_event = Table(
    "lab_test_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lab_test_id", Integer, ForeignKey("lab_test.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(64), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=False),
    Column("reason", Text, nullable=False, default=""),
)

lab_result = Table(
    "lab_result",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lab_test_id", Integer, ForeignKey("lab_test.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("payload", JsonDocument, nullable=False),
    Column("resulted_at", UtcDateTime, nullable=False),
    Column("resulted_by", String(64), nullable=False),
    Column("verified_at", UtcDateTime, nullable=True),
    Column("verified_by", String(64), nullable=True),
    Column("superseded_at", UtcDateTime, nullable=True),
    Column("correction_reason", Text, nullable=False, default=""),
)

# One row per accession prefix ("BM26-"): the last serial handed out. Incrementing it in
# the writer's transaction locks the row, so two writers can never take the same number
# (revision pathway_0003).
accession_counter = Table(
    "accession_counter",
    metadata,
    Column("prefix", String(16), primary_key=True),
    Column("last_serial", Integer, nullable=False),
)
