"""Settings: the only reader of the environment (prefix ``MARROWSCOPE_``).

Defaults work offline on one machine: a SQLite file under ``var/``, the shipped
model, a development secret that is refused outside development.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from marrowscope.domain.errors import ConfigurationError

__all__ = ["Settings", "describe_settings_error", "get_settings"]

_DEV_SECRET = "dev-only-secret-change-me"
# A shorter secret could be searched offline from one signed cookie (itsdangerous HMAC).
_MIN_PRODUCTION_SECRET_CHARS = 32


class Settings(BaseSettings):
    """Runtime configuration of every adapter."""

    model_config = SettingsConfigDict(env_prefix="MARROWSCOPE_", extra="ignore")

    # "production" turns on the safe defaults (docs/operations.md, "Production settings"):
    # no development secret, Secure cookies, no demo accounts or demo patients.
    environment: Literal["development", "test", "staging", "production"] = "development"
    # Cookies carry the Secure flag (sent over HTTPS only). None: on everywhere but
    # development, whose localhost demo is served over plain HTTP. Refused off in production.
    cookie_secure: bool | None = None
    # Key of the backup archives (`marrowscope backup`): 32 random bytes in
    # url-safe base64 (`marrowscope backup-key` prints a new one). Backups are refused
    # without it; the manifest's HMAC key is derived from it (db/backup_crypto.py).
    backup_key: str = ""
    database_url: str = "sqlite:///var/marrowscope.db"
    secret_key: str = _DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    model_dir: Path | None = None  # None: the model shipped inside the package
    shared_data_dir: Path = Path("../shared/data")
    # HL7 interfaces: our facility (MSH-4 out), the authority of hospital MRNs (PID-3.4:
    # only an MR identifier of it is read; '' accepts MR of any authority) and the lab's
    # time zone, for timestamps that senders give without an offset
    hl7_facility: str = "MARROWSCOPE"
    hl7_assigning_authority: str = ""
    lab_timezone: str = ""  # '' = ``timezone``
    # The identifier type (HL7 table 0203, e.g. NPI) of the hospital's clinicians: an
    # incoming order's provider is read from the identifier of that type, and a staff
    # account's provider id that names no type of its own goes out with it ('' none).
    hl7_provider_id_type: str = ""
    # FHIR identifier systems (URIs) of the hospital: its medical record numbers
    # (Patient.identifier; '' sends ours, marked type MR of ``hl7_assigning_authority``)
    # and its order numbers (the ServiceRequest's placer identifier, when the EHR sent
    # only a namespace such as EPIC over HL7; '' sends that namespace as the assigner).
    fhir_mrn_system: str = ""
    fhir_placer_system: str = ""
    # Days the message log keeps messages in and out (`marrowscope hl7 prune`); messages
    # still waiting for a person (refused, failed, queued) are kept whatever their age.
    hl7_message_retention_days: int = Field(default=90, ge=1)
    # Addresses of the reverse proxies in front of the app, comma-separated. Only a
    # request from one of them may name the client in X-Forwarded-For; from anyone else
    # the header is ignored, or a guesser could pick a fresh address for every attempt
    # and never meet the per-address sign-in limit.
    trusted_proxies: str = ""
    # Sessions end this long after sign-in, or after this long without a request, whichever
    # comes first (a ward computer left signed in). Checked on the server at every request.
    session_hours: float = Field(default=12.0, gt=0)
    session_idle_minutes: float = Field(default=30.0, gt=0)
    # Sessions one account may hold; a sign-in beyond it ends the account's oldest one.
    max_sessions_per_user: int = Field(default=5, ge=1, le=100)
    # Two-step sign-in (TOTP) for pathologists and admins. None: on everywhere but
    # development, so that `make run`'s demo accounts sign in with their password alone.
    mfa_enforce: bool | None = None
    # Key sealing the stored TOTP secrets (db/mfa_crypto.py): 32 random bytes, url-safe
    # base64. '': derived from ``secret_key``, so rotating that one makes every
    # authenticator unreadable until reset; set this apart in production.
    mfa_key: str = ""
    # Origins (scheme://host[:port], comma-separated) besides the request's own host and
    # ``public_url`` from which a browser may send a write (the Origin/Referer check).
    allowed_origins: str = ""
    # Folder of pg_dump / pg_restore for `marrowscope backup|restore` on PostgreSQL
    # (None: found on PATH, e.g. Debian's postgresql-client in /usr/bin).
    pg_bin_dir: Path | None = None
    # Pre-procedure safety check, where guidelines differ (docs/preprocedure_rules.md): the
    # default is the guideline's value, and every finding names the value that applied.
    # Platelets below this need review (SIR 2019 low-risk procedures: 20 x10^9/L); hours
    # from the last prophylactic-dose LMWH (SIR 2019: not withheld, 0; some units hold 12).
    platelet_threshold_per_nl: float = Field(default=20.0, ge=5, le=100)
    lmwh_prophylactic_hold_hours: float = Field(default=0.0, ge=0, le=24)

    # The audit log (docs/audit.md): entries are kept ``audit_retention_days`` (six years
    # by default; `marrowscope audit prune` deletes only older ones). The hash chain is keyed
    # with ``audit_chain_secret``, else with ``secret_key``: set it apart so that rotating
    # the session secret does not leave the older entries unverifiable.
    audit_retention_days: int = Field(default=2192, ge=365)
    audit_chain_secret: str = ""
    # Who sees which case (docs/access.md): clinical staff their wards' cases, laboratory
    # staff those of ``lab_unit`` (this installation's one laboratory); a case opened
    # without a ward (interfaces, commands) is ``default_ward``'s. Break-glass opens one
    # other case for ``break_glass_minutes``. ``case_scoping`` false: roles alone decide.
    lab_unit: str = Field(default="LAB", min_length=1, max_length=40)
    default_ward: str = Field(default="HAEM", min_length=1, max_length=40)
    break_glass_minutes: int = Field(default=60, ge=5, le=720)
    case_scoping: bool = True
    # Each grant is a privacy alert sent to the privacy officer through the alert relay
    # (``alert_smtp_host``) to ``privacy_alert_email`` (comma-separated) and/or POSTed to
    # ``privacy_webhook_url``; neither set: only the review list and the log. The message
    # names the case by number, never the patient; ``privacy_alert_reason`` false leaves
    # the typed reason out of it for a channel not approved for clinical words.
    privacy_alert_email: str = ""
    privacy_webhook_url: str = ""
    privacy_webhook_token: str = ""
    privacy_alert_reason: bool = True
    # An EHR order's ward: its location (HL7 PV1-3.1, FHIR Location) mapped through
    # ``ehr_ward_map`` ("CODE=UNIT" pairs, comma-separated) when the EHR's codes are not
    # our unit names; an unmapped code that is a valid unit name is taken as it is; none,
    # or one that cannot be a unit name: ``default_ward``.
    ehr_ward_map: str = ""

    @property
    def secure_cookies(self) -> bool:
        """Whether session, CSRF and device cookies carry the Secure flag."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment != "development"

    @property
    def mfa_enforced(self) -> bool:
        """Whether pathologists and admins must use two-step sign-in."""
        if self.mfa_enforce is not None:
            return self.mfa_enforce
        return self.environment != "development"

    @property
    def trusted_proxy_set(self) -> frozenset[str]:
        """``trusted_proxies`` as a set of addresses."""
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    # Report: the letterhead printed on every page, and who releases a signed report to
    # the patient ("clinician", who discusses it first, or "pathologist").
    laboratory_name: str = "Haematology laboratory"
    institution_name: str = ""
    laboratory_address: str = ""
    release_by: Literal["clinician", "pathologist"] = "clinician"
    # IANA zone in which people read times on screen (stored times stay UTC)
    timezone: str = "UTC"
    # The number patients are told to call (portal, preparation and aftercare text). The
    # default is from Ofcom's range reserved for drama, so a demo never rings a real line.
    care_team_phone: str = "020 7946 0000"
    # Care-team alerts (docs/alerts.md): an urgent alert not acknowledged within
    # ``alert_escalation_minutes`` escalates to ``alert_escalation_to``; the web app checks
    # every ``alert_check_seconds`` (0: not in the web app, run `marrowscope alerts
    # escalate` from cron instead). Channels: e-mail when ``alert_smtp_host`` is set, a
    # paging webhook when ``alert_webhook_url`` is; addresses comma-separated.
    # ``public_url``: the app's address in the links that notifications carry.
    alert_escalation_minutes: float = Field(default=15.0, gt=0)
    alert_escalation_to: str = "on_call_haematologist"
    alert_check_seconds: float = Field(default=30.0, ge=0)
    alert_smtp_host: str = ""
    alert_smtp_port: int = 25
    alert_smtp_starttls: bool = False
    alert_smtp_username: str = ""
    alert_smtp_password: str = ""
    alert_email_from: str = "marrowscope@localhost"
    alert_email_care_team: str = ""
    alert_email_on_call: str = ""
    alert_webhook_url: str = ""
    alert_webhook_token: str = ""
    alert_channel_timeout_s: float = Field(default=10.0, gt=0)
    public_url: str = ""

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

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        # Production serves real patients: a guessable secret forges sessions, and a
        # cookie without Secure leaks the session over any plain-HTTP hop.
        if self.environment != "production":
            return self
        if len(self.secret_key) < _MIN_PRODUCTION_SECRET_CHARS:
            raise ValueError(
                f"MARROWSCOPE_SECRET_KEY must be at least {_MIN_PRODUCTION_SECRET_CHARS} "
                "characters in production (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if self.cookie_secure is False:
            raise ValueError(
                "MARROWSCOPE_COOKIE_SECURE=false is refused in production: serve over HTTPS"
            )
        return self

    @property
    def demo_allowed(self) -> bool:
        """Whether demo accounts (published passwords) and demo patients may be created."""
        return self.environment != "production"


def get_settings() -> Settings:
    """Fresh settings from the environment (cheap; callers may cache).

    A bad setting raises ``ConfigurationError`` with one line naming each variable and
    what is wrong, never the value (it may be a secret): the CLI prints it and exits 2.
    """
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigurationError(describe_settings_error(error)) from None


def describe_settings_error(error: ValidationError) -> str:
    """One line for every problem of ``error``, without the offending values."""
    parts = []
    for problem in error.errors(include_input=False, include_url=False):
        message = str(problem["msg"]).removeprefix("Value error, ")
        fields = [str(part) for part in problem["loc"] if isinstance(part, str)]
        if fields and not message.startswith("MARROWSCOPE_"):
            message = f"MARROWSCOPE_{fields[0].upper()}: {message}"
        parts.append(message)
    return "configuration: " + "; ".join(parts)
