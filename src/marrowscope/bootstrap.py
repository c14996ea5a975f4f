"""Composition root: builds the adapters from Settings and hands them to services.

The web app and the CLI ask this module for ready services; nothing below it reads
the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from marrowscope.config import Settings, get_settings
from marrowscope.domain.errors import DatabaseNotReady, NotAllowed
from marrowscope.interop.codes import ExportSite
from marrowscope.services import accounts
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.accounts import AuthService
from marrowscope.services.ai_review import CellClassifierPort, FieldCellFinderPort, ReviewStores
from marrowscope.services.alerts import EscalationPolicy, Notifier
from marrowscope.services.counting import SavedCountSource
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AccountServices",
    "BackupSummary",
    "DemoIds",
    "Settings",
    "backup_database",
    "audit_chain_key",
    "build_account_services",
    "build_alert_duties",
    "build_cell_reviewer",
    "build_count_log_source",
    "build_privacy_channels",
    "build_review_stores",
    "build_engine",
    "build_uow_factory",
    "check_database_ready",
    "export_site",
    "get_settings",
    "new_backup_key",
    "prepare_demo",
    "refuse_demo_in_production",
    "restore_database",
    "upgrade_database",
]


# --- exchange with hospital systems ---


def export_site(settings: Settings | None = None) -> ExportSite:
    """The hospital's identifier systems, as every export names patients and orders."""
    chosen = settings or get_settings()
    return ExportSite(
        assigning_authority=chosen.hl7_assigning_authority,
        mrn_system=chosen.fhir_mrn_system,
        placer_system=chosen.fhir_placer_system,
        provider_id_type=chosen.hl7_provider_id_type,
    )


# --- accounts, sessions and the differential counter (web app) ---


@dataclass(frozen=True, slots=True)
class AccountServices:
    """What the web app needs for sign-in, keymaps and slide counts."""

    uow_factory: UnitOfWorkFactory
    stores: AccountStores
    auth: AuthService


def build_account_services(
    uow_factory: UnitOfWorkFactory, settings: Settings | None = None
) -> AccountServices:
    """Wire the SQL stores of the "auth" and "security" branches to their services.

    Sign-in failures are counted in the database (``StoredThrottle``) so that the limits
    hold across server processes; session lifetimes come from ``settings``.
    """
    from functools import partial

    from marrowscope.db.auth_tables import SqlKeymapStore, SqlSessionStore, SqlUserStore
    from marrowscope.db.counter_tables import SqlSlideCountStore
    from marrowscope.db.mfa_crypto import SecretBox
    from marrowscope.db.mfa_tables import SqlSecondFactorStore
    from marrowscope.db.security_tables import SqlAccountNoticeStore, SqlSignInLimitStore
    from marrowscope.services.accounts import (
        Lockouts,
        PasswordRules,
        SecondFactor,
        StoredThrottle,
    )

    chosen = settings or get_settings()
    throttle = StoredThrottle(uow_factory, SqlSignInLimitStore)
    # the lockout notice is stored and logged; an e-mail/webhook notifier plugs in here
    lockouts = Lockouts(uow_factory, SqlAccountNoticeStore, notifier=None)
    policy = accounts.SessionPolicy(
        lifetime=timedelta(hours=chosen.session_hours),
        idle=timedelta(minutes=chosen.session_idle_minutes),
        max_per_user=chosen.max_sessions_per_user,
    )
    # two-step sign-in: enforced for pathologists and admins by ``mfa_enforced``; the
    # secrets sealed at rest with ``mfa_key`` (else a key derived from ``secret_key``)
    box = SecretBox.from_settings(chosen.mfa_key, chosen.secret_key)
    second_store = partial(SqlSecondFactorStore, box=box)
    second = SecondFactor(
        uow_factory, second_store, throttle, chosen.secret_key, enforced=chosen.mfa_enforced
    )
    rules = PasswordRules(site_words=(chosen.laboratory_name, chosen.institution_name))

    stores = AccountStores(
        users=SqlUserStore,
        sessions=SqlSessionStore,
        keymaps=SqlKeymapStore,
        slide_counts=SqlSlideCountStore,
    )
    auth = AuthService(uow_factory, stores, throttle, policy, lockouts, second, rules)
    return AccountServices(uow_factory, stores, auth)


# --- database, unit of work and the clinical pathway ---


def build_engine(settings: Settings | None = None) -> Engine:
    """The engine for ``settings.database_url`` (SQLite: foreign keys and WAL on)."""
    from marrowscope.db.engine import make_engine

    return make_engine((settings or get_settings()).database_url)


def upgrade_database(settings: Settings | None = None) -> list[str]:
    """Create or migrate the configured database to every branch head (``upgrade heads``)."""
    from marrowscope.db.migrate import upgrade_database as _upgrade

    return _upgrade((settings or get_settings()).database_url)


def check_database_ready(settings: Settings | None = None) -> None:
    """``DatabaseNotReady`` unless every shipped migration has been applied.

    Without it a command on a new, empty database fails deep in a query with a
    SQLAlchemy traceback ("no such table: patient") instead of saying what to run.
    """
    from marrowscope.db.migrate import current_revisions, pending_revisions

    url = (settings or get_settings()).database_url
    pending = pending_revisions(url)
    if not pending:
        return
    state = "is behind this version" if current_revisions(url) else "has no tables yet"
    raise DatabaseNotReady(
        f"the database (MARROWSCOPE_DATABASE_URL) {state}; run `marrowscope db upgrade` first"
    )


def backup_database(backup: Path, settings: Settings | None = None) -> BackupSummary:
    """Back the configured database up to ``backup``, encrypted (signed manifest beside it)."""
    from marrowscope.db.backup import backup_database as _backup

    chosen = settings or get_settings()
    manifest = _backup(
        chosen.database_url, backup, key=chosen.backup_key, pg_bin_dir=chosen.pg_bin_dir
    )
    return BackupSummary(manifest.backend, len(manifest.row_counts), manifest.total_rows)


def restore_database(
    backup: Path, settings: Settings | None = None, *, allow_legacy: bool = False
) -> BackupSummary:
    """Restore ``backup`` into the configured, empty database and verify every table.

    ``allow_legacy``: accept an unencrypted, unsigned backup of an earlier version.
    """
    from marrowscope.db.backup import restore_database as _restore

    chosen = settings or get_settings()
    manifest = _restore(
        chosen.database_url,
        backup,
        key=chosen.backup_key,
        pg_bin_dir=chosen.pg_bin_dir,
        allow_legacy=allow_legacy,
    )
    return BackupSummary(manifest.backend, len(manifest.row_counts), manifest.total_rows)


def new_backup_key() -> str:
    """A fresh random ``MARROWSCOPE_BACKUP_KEY`` (32 bytes, url-safe base64)."""
    from marrowscope.db.backup_crypto import new_backup_key as _new

    return _new()


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a backup or a verified restore held, for the command's one-line answer."""

    backend: str
    tables: int
    rows: int


def build_uow_factory(
    engine: Engine,
    clock: Callable[[], datetime] | None = None,
    settings: Settings | None = None,
) -> UnitOfWorkFactory:
    """A factory of SQL units of work on ``engine``; each call is one fresh transaction.

    The audit chain's key comes from ``settings`` (else the environment's settings).
    """
    from marrowscope.db.engine import make_session_factory
    from marrowscope.db.unit_of_work import SqlUnitOfWork, utc_now
    from marrowscope.domain.cases.access import AccessPolicy, clean_unit, parse_ward_map
    from marrowscope.services.unit_of_work import reads_only

    sessions = make_session_factory(engine)
    chosen = clock or utc_now
    picked = settings or get_settings()
    key = audit_chain_key(picked)
    access = AccessPolicy(
        lab_unit=clean_unit(picked.lab_unit),
        default_ward=clean_unit(picked.default_ward),
        break_glass_minutes=picked.break_glass_minutes,
        scoping=picked.case_scoping,
        ehr_wards=parse_ward_map(picked.ehr_ward_map),
    )

    def factory() -> UnitOfWork:
        return SqlUnitOfWork(
            sessions, clock=chosen, read_only=reads_only(), audit_key=key, access=access
        )

    return factory


def audit_chain_key(settings: Settings) -> bytes:
    """The audit chain's HMAC key: ``audit_chain_secret`` if set, else ``secret_key``."""
    from marrowscope.domain.audit_chain import chain_key

    return chain_key(settings.audit_chain_secret or settings.secret_key)


# --- AI-assisted pre-classification and the de-identified count log (ai_review) ---


def build_review_stores(accounts: AccountServices) -> ReviewStores:
    """The cell-call store of the "ai_review" branch beside the accounts' slide counts."""
    from marrowscope.db.ai_review_tables import SqlCellCallStore

    return ReviewStores(calls=SqlCellCallStore, accounts=accounts.stores)


_REVIEWERS: dict[Path | None, CellClassifierPort] = {}


def build_cell_reviewer(settings: Settings | None = None) -> CellClassifierPort:
    """The model for pre-classification (``Settings.model_dir`` or the shipped one).

    Loaded once per model folder and kept: an ONNX Runtime session takes a moment to
    build and is safe to share between requests.
    """
    model_dir = (settings or get_settings()).model_dir
    if model_dir not in _REVIEWERS:
        from marrowscope.ai.cell_review import ModelCellReviewer

        _REVIEWERS[model_dir] = ModelCellReviewer.load(model_dir)
    return _REVIEWERS[model_dir]


_FINDERS: dict[Path | None, FieldCellFinderPort] = {}


def build_field_finder(settings: Settings | None = None) -> FieldCellFinderPort:
    """The cell detector for field images (``Settings.model_dir`` or the shipped one).

    Kept once built, like the classifier: the session is shared between requests.
    """
    model_dir = (settings or get_settings()).model_dir
    if model_dir not in _FINDERS:
        from marrowscope.ai.detection.detector import DEFAULT_DETECTOR
        from marrowscope.ai.field_cells import DetectorFieldCellFinder

        own = model_dir / f"{DEFAULT_DETECTOR}.json" if model_dir else None
        sidecar = own if own is not None and own.exists() else None
        _FINDERS[model_dir] = DetectorFieldCellFinder(sidecar)
    return _FINDERS[model_dir]


# --- the demo database (make run, browser tests) ---


@dataclass(frozen=True, slots=True)
class DemoIds:
    """Where the demo lives in the database."""

    case_id: int
    patient_id: int
    other_patient_id: int


def prepare_demo(settings: Settings) -> DemoIds:
    """Migrate, seed the demo case (``services.walkthrough``) and create the demo accounts.

    Safe on every start: each step leaves what already exists alone, so ``make run``
    twice keeps the counts and reports made in between.
    """
    from marrowscope.services.accounts import ensure_demo_users
    from marrowscope.services.walkthrough import seed_demo_case, seed_demo_report

    refuse_demo_in_production(settings)
    upgrade_database(settings)
    uow_factory = build_uow_factory(build_engine(settings), settings=settings)
    seeded = seed_demo_case(uow_factory)
    with uow_factory() as uow:
        seed_demo_report(uow)  # signs the demo case's report once (services.walkthrough)
    accounts = build_account_services(uow_factory)
    with uow_factory() as uow:
        ensure_demo_users(
            uow,
            accounts.stores,
            demo_patient_id=seeded.patient_id,
            other_patient_id=seeded.other_patient_id,
        )
    return DemoIds(seeded.case_id, seeded.patient_id, seeded.other_patient_id)


def refuse_demo_in_production(settings: Settings) -> None:
    """``NotAllowed`` in production: demo accounts have published passwords, and an
    invented patient must never sit among real ones."""
    if not settings.demo_allowed:
        raise NotAllowed(
            "demo data is not created when MARROWSCOPE_ENVIRONMENT=production "
            "(its accounts have published passwords)"
        )


def build_count_log_source() -> Callable[[Any], SavedCountSource]:
    """The read side of the de-identified count log (for ``uow.bind``)."""
    from marrowscope.db.count_log_store import SqlSavedCountSource

    return SqlSavedCountSource


# --- care-team alerts: escalation and notification channels (docs/alerts.md) ---


def build_alert_duties(
    settings: Settings | None = None,
) -> tuple[EscalationPolicy, dict[str, Notifier]]:
    """The escalation policy and the configured channels (``services.alerts``):
    e-mail when ``alert_smtp_host`` is set, the webhook when ``alert_webhook_url`` is."""
    from marrowscope.notify.smtp import EmailChannel
    from marrowscope.notify.webhook import WebhookChannel

    chosen = settings or get_settings()

    def addresses(text: str) -> tuple[str, ...]:
        return tuple(a.strip() for a in text.split(",") if a.strip())

    base_url = chosen.public_url or f"http://{chosen.host}:{chosen.port}"
    policy = EscalationPolicy(
        after=timedelta(minutes=chosen.alert_escalation_minutes),
        to=chosen.alert_escalation_to,
        base_url=base_url,
        privacy_reason=chosen.privacy_alert_reason,
    )
    channels: dict[str, Notifier] = {}
    if chosen.alert_smtp_host:
        channels["email"] = EmailChannel(
            host=chosen.alert_smtp_host,
            port=chosen.alert_smtp_port,
            sender=chosen.alert_email_from,
            care_team=addresses(chosen.alert_email_care_team),
            on_call=addresses(chosen.alert_email_on_call),
            starttls=chosen.alert_smtp_starttls,
            username=chosen.alert_smtp_username,
            password=chosen.alert_smtp_password,
            timeout_s=chosen.alert_channel_timeout_s,
        )
    if chosen.alert_webhook_url:
        channels["webhook"] = WebhookChannel(
            chosen.alert_webhook_url, chosen.alert_webhook_token, chosen.alert_channel_timeout_s
        )
    return policy, channels


def build_privacy_channels(settings: Settings | None = None) -> dict[str, Notifier]:
    """The channels of break-glass alerts (docs/access.md): e-mail to
    ``privacy_alert_email`` through the alert relay, the ``privacy_webhook_url``."""
    from marrowscope.notify.smtp import EmailChannel
    from marrowscope.notify.webhook import WebhookChannel

    chosen = settings or get_settings()
    officer = tuple(a.strip() for a in chosen.privacy_alert_email.split(",") if a.strip())
    channels: dict[str, Notifier] = {}
    if chosen.alert_smtp_host and officer:
        channels["email"] = EmailChannel(
            host=chosen.alert_smtp_host,
            port=chosen.alert_smtp_port,
            sender=chosen.alert_email_from,
            care_team=(),
            privacy=officer,
            starttls=chosen.alert_smtp_starttls,
            username=chosen.alert_smtp_username,
            password=chosen.alert_smtp_password,
            timeout_s=chosen.alert_channel_timeout_s,
        )
    if chosen.privacy_webhook_url:
        channels["webhook"] = WebhookChannel(
            chosen.privacy_webhook_url,
            chosen.privacy_webhook_token,
            chosen.alert_channel_timeout_s,
        )
    return channels
