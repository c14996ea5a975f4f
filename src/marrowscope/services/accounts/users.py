"""People who sign in: accounts with one role each, hashed passwords, demo accounts.

Passwords are hashed with Argon2id (argon2-cffi, RFC 9106 defaults) so that a copy of
the database does not give away anyone's password. Only an admin creates accounts; a
patient account is tied to one patient record, which is what limits a patient to their
own results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from marrowscope.domain.accounts.model import NewUser, User
from marrowscope.domain.accounts.password_policy import MIN_PASSWORD_CHARS
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.access import CLINICAL_SIDE, LAB_SIDE, AccessPolicy
from marrowscope.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.accounts.password_rules import PasswordRules
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import set_units, units_of
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "DEMO_USERS",
    "DemoUser",
    "create_user",
    "ensure_demo_users",
    "get_user",
    "list_users",
    "hash_password",
    "needs_rehash",
    "verify_password",
]


_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """Argon2id hash of a password that meets the minimum length."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"password: at least {MIN_PASSWORD_CHARS} characters are needed")
    return str(_HASHER.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; never raises for a wrong or malformed hash."""
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return bool(_HASHER.check_needs_rehash(password_hash))


def _clean_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not cleaned or len(cleaned) > 64 or not all(c.isalnum() or c in "._-" for c in cleaned):
        raise InvalidInput("username: 1-64 letters, digits, '.', '_' or '-'")
    return cleaned


def create_user(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor | None,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    patient_id: int | None = None,
    rules: PasswordRules | None = None,
) -> User:
    """Create an account; only an admin may (``actor=None`` is the installer/seed).

    The password must pass ``rules`` (the site's: length by role, breached list, the
    site's words; default: without the site's names).
    """
    return _create(
        uow, stores, actor, rules or PasswordRules(), username=username, password=password,
        role=role, display_name=display_name, patient_id=patient_id,
    )  # fmt: skip


def _create(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor | None,
    rules: PasswordRules | None,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    patient_id: int | None,
) -> User:
    """``create_user``; ``rules`` None only for the demo accounts' published passwords."""
    store = uow.bind(stores.users)
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin can create accounts")
    name = _clean_username(username)
    if role == Role.PATIENT and patient_id is None:
        raise InvalidInput("patient_id: a patient account must name its patient record")
    if role != Role.PATIENT and patient_id is not None:
        raise InvalidInput("patient_id: only a patient account is tied to a patient record")
    if patient_id is not None and uow.patients.get(patient_id) is None:
        # the foreign key would refuse it too, but as a server error (found by probing the JSON API)
        raise NotFound(f"patient_id: there is no patient {patient_id}")
    if store.by_username(name) is not None:
        raise Conflict(f"username {name!r} is taken")
    if rules is not None:
        rules.check(password, name, role, display_name)
    user = store.add(
        NewUser(
            username=name,
            role=role,
            display_name=display_name.strip() or name,
            password_hash=hash_password(password),
            patient_id=patient_id,
        )
    )
    record_audit(
        uow,
        actor or Actor("installer", Role.ADMIN),
        "user",
        user.id,
        AuditAction.CREATE,
        None,
        {"username": user.username, "role": user.role, "patient_id": patient_id},
    )
    uow.commit()
    return user


def get_user(uow: UnitOfWork, stores: AccountStores, user_id: int) -> User:
    """The account with this id."""
    user = uow.bind(stores.users).get(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo account; the README lists the same table."""

    username: str
    role: Role
    display_name: str
    password: str
    patient: str | None = None  # "demo" = the demo case's patient, "other" = a second patient


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("clinician", Role.CLINICIAN, "Dr Clara Clinician", "clinician-demo"),
    DemoUser("proceduralist", Role.PROCEDURALIST, "Dr Paul Proceduralist", "proceduralist-demo"),
    DemoUser("nurse", Role.NURSE, "Nina Nurse", "nurse-demo"),
    DemoUser("lab", Role.LAB_SCIENTIST, "Leo Lab-Scientist", "lab-demo"),
    DemoUser("morphologist", Role.MORPHOLOGIST, "Mia Morphologist", "morphologist-demo"),
    DemoUser("pathologist", Role.PATHOLOGIST, "Dr Pia Pathologist", "pathologist-demo"),
    DemoUser("patient", Role.PATIENT, "Demo Patient", "patient-demo", patient="demo"),
    DemoUser("patient2", Role.PATIENT, "Second Patient", "patient2-demo", patient="other"),
    DemoUser("admin", Role.ADMIN, "Ada Admin", "admin-demo"),
    DemoUser("labmanager", Role.LAB_MANAGER, "Lena Lab-Manager", "labmanager-demo"),
)


def list_users(uow: UnitOfWork, stores: AccountStores, actor: Actor) -> Sequence[User]:
    """Every account (admin only)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin can list accounts")
    return uow.bind(stores.users).all()


def ensure_demo_users(
    uow: UnitOfWork, stores: AccountStores, *, demo_patient_id: int, other_patient_id: int
) -> list[User]:
    """Create the demo accounts that do not exist yet, each with the demo's units;
    existing ones are left untouched but for units where they have none.

    Their passwords are published (README) and would fail the password rules, which is
    the point of those rules: they are set here without them, and nowhere else.
    """
    created: list[User] = []
    for demo in DEMO_USERS:
        existing = uow.bind(stores.users).by_username(demo.username)
        if existing is not None:
            if not units_of(uow, existing[0].id):  # a demo database from before scoping
                _give_demo_units(uow, existing[0])
            continue
        patient_id = None
        if demo.patient == "demo":
            patient_id = demo_patient_id
        elif demo.patient == "other":
            patient_id = other_patient_id
        created.append(
            _create(
                uow,
                stores,
                None,
                None,
                username=demo.username,
                password=demo.password,
                role=demo.role,
                display_name=demo.display_name,
                patient_id=patient_id,
            )
        )
        _give_demo_units(uow, created[-1])
    return created


def _demo_units(role: Role, policy: AccessPolicy) -> frozenset[str]:
    """Where a demo account works: clinical staff on the default ward (whose cases the
    demo's are), laboratory staff in the laboratory, the admin and patients nowhere."""
    if role in CLINICAL_SIDE:
        return frozenset({policy.default_ward})
    if role in LAB_SIDE:
        return frozenset({policy.lab_unit})
    return frozenset()


def _give_demo_units(uow: UnitOfWork, user: User) -> None:
    units = _demo_units(user.role, uow.access.policy)
    if units:
        set_units(uow, None, user.id, units)
