"""A staff account's provider identifier and its type (branch "auth").

Results go to the hospital with the signing pathologist as a person the EHR knows: their
NPI or the site's identifier type (HL7 table 0203), not only the login. Both columns are
optional; an account without one goes out by name and login alone.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "auth_0002"
down_revision: str | Sequence[str] | None = "auth_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("provider_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("provider_id_type", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("provider_id_type")
        batch.drop_column("provider_id")
