"""interop: each filed message keeps a digest of its content and the answer it got

A sender that reuses a message control id (MSH-10) for a different message must be
refused, not acknowledged as a duplicate and silently lost; telling the two apart needs
the content of the first one, kept here as a SHA-256 digest. A true repeat is answered
with the original acknowledgement, so that is kept too. Existing rows get '' for both
(no digest known: a repeat of them is taken as a duplicate, as before).

Revision ID: interop_0002
Revises: interop_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "interop_0002"
down_revision: str | Sequence[str] | None = "interop_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "interop_message",
        sa.Column("digest", sa.String(64), nullable=False, server_default=""),
    )
    op.add_column(
        "interop_message",
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("interop_message") as batch:
        batch.drop_column("answer")
        batch.drop_column("digest")
