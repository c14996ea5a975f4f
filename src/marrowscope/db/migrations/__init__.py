"""Alembic migrations of marrowscope; one branch per area (see docs/persistence.md)."""
