"""Settings: the only reader of the environment (prefix ``MARROWSCOPE_``).

Defaults work offline on one machine: a SQLite file under ``var/``, the shipped
model, a development secret that is refused outside development.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]

_DEV_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    """Runtime configuration of every adapter."""

    model_config = SettingsConfigDict(env_prefix="MARROWSCOPE_", extra="ignore")

    environment: str = "development"
    database_url: str = "sqlite:///var/marrowscope.db"
    secret_key: str = _DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    model_dir: Path | None = None  # None: the model shipped inside the package
    shared_data_dir: Path = Path("../shared/data")
    # Report: the letterhead printed on every page, and who releases a signed report to
    # the patient ("clinician", who discusses it first, or "pathologist").
    laboratory_name: str = "Haematology laboratory"
    institution_name: str = ""
    laboratory_address: str = ""
    release_by: Literal["clinician", "pathologist"] = "clinician"
    # IANA zone in which people read times on screen (stored times stay UTC)
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # A typo would otherwise show every time shifted, silently.
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"MARROWSCOPE_TIMEZONE: unknown zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        # A forgotten default secret in production would let anyone forge sessions.
        if self.environment != "development" and self.secret_key == _DEV_SECRET:
            raise ValueError("MARROWSCOPE_SECRET_KEY must be set outside development")
        return self


def get_settings() -> Settings:
    """Fresh settings from the environment (cheap; callers may cache)."""
    return Settings()
