"""security: TOTP secrets are stored sealed (AES-256-GCM), not as text

Widens ``mfa_secrets.secret`` to hold ``v1:`` + base64 (``db.mfa_crypto``) and seals the
secrets already stored, with the key of the settings this migration runs under
(``MARROWSCOPE_MFA_KEY``, else one derived from ``MARROWSCOPE_SECRET_KEY``): run it with
the server's settings, or its people's authenticators stop working until an admin resets
them. A row already sealed is left as it is, so a second run changes nothing.

The downgrade opens them again (same settings), for a return to a version that reads text.

Revision ID: security_0004
Revises: security_0003
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from marrowscope.db.mfa_crypto import SecretBox

revision: str = "security_0004"
down_revision: str | Sequence[str] | None = "security_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_secrets = sa.table("mfa_secrets", sa.column("user_id", sa.Integer), sa.column("secret"))


def _rewrite(change: Callable[[int, str], str | None]) -> None:
    """Apply ``change`` to every stored secret (None: leave that row)."""
    bind = op.get_bind()
    rows = list(bind.execute(sa.select(_secrets.c.user_id, _secrets.c.secret)))
    for user_id, stored in rows:
        new = change(int(user_id), str(stored))
        if new is not None:
            bind.execute(
                sa.update(_secrets).where(_secrets.c.user_id == user_id).values(secret=new)
            )


def _box() -> SecretBox:
    from marrowscope.config import get_settings
    from marrowscope.db.mfa_crypto import SecretBox

    settings = get_settings()  # the same choice as ``bootstrap.build_account_services``
    return SecretBox.from_settings(settings.mfa_key, settings.secret_key)


def upgrade() -> None:
    from marrowscope.db.mfa_crypto import PREFIX

    with op.batch_alter_table("mfa_secrets") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(64), type_=sa.String(255), existing_nullable=False
        )
    if op.get_bind().execute(sa.select(sa.func.count()).select_from(_secrets)).scalar_one():
        box = _box()
        _rewrite(lambda user_id, text: None if text.startswith(PREFIX) else box.seal(user_id, text))


def downgrade() -> None:
    from marrowscope.db.mfa_crypto import PREFIX

    if op.get_bind().execute(sa.select(sa.func.count()).select_from(_secrets)).scalar_one():
        box = _box()
        _rewrite(lambda user_id, text: box.open(user_id, text) if text.startswith(PREFIX) else None)
    with op.batch_alter_table("mfa_secrets") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(255), type_=sa.String(64), existing_nullable=False
        )
