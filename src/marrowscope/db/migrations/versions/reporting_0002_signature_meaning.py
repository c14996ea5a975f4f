"""reporting: what each signature means (authored, reviewed, approved) is stored with it

A signed record must say what the signature means, not only who signed and when
(21 CFR 11.50); a report checked by a senior colleague is "reviewed", one written by the
signer "authored". Versions signed before this revision keep NULL and print no meaning.

Revision ID: reporting_0002
Revises: reporting_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reporting_0002"
down_revision: str | Sequence[str] | None = "reporting_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("report_version", sa.Column("signature_meaning", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_version") as batch:
        batch.drop_column("signature_meaning")
