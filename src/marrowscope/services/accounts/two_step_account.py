"""One's own two-step sign-in, turned on, off or given new recovery codes, and an admin's
reset of another person's: each re-authenticated before it acts.

A session left open on a ward computer must not be enough to change how its owner signs
in: whoever found it could set up their own phone (and keep the account), or turn the
second step off. So turning it on and new recovery codes ask for the password again, and
turning it off asks for the password *and* a current code; an admin's reset asks for the
admin's own password. Wrong passwords here meet the signature backoff (``sign:NAME``,
``reauth.confirm_signer``), wrong codes the code backoff (``mfa:NAME``).

An admin resets another person's (a lost phone, the recovery codes gone) and never their
own: that would let one stolen admin session remove its owner's second step. The reset
removes the secret and the recovery codes and ends the person's sessions in one unit of
work, audited as the admin's act; a role that must use it sets it up again at its next
sign-in.
"""

from __future__ import annotations

from marrowscope.domain.accounts.model import User
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from marrowscope.domain.roles import Role
from marrowscope.services.accounts.auth import AuthService
from marrowscope.services.accounts.reauth import confirm_signer
from marrowscope.services.accounts.second_factor import Enrolment, SecondFactor, TwoStepStatus
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = [
    "confirm_two_step",
    "replace_recovery_codes",
    "reset_two_step",
    "start_two_step",
    "turn_off_two_step",
    "two_step_status",
]

_EVERY_ROLE = frozenset(Role)


def _second(auth: AuthService) -> SecondFactor:
    if auth.second_factor is None:
        raise AuthenticationFailed("two-step sign-in is not set up on this server")
    return auth.second_factor


def _password(auth: AuthService, user: User, password: str) -> None:
    """The signed-in person's current password, checked like a signature's."""
    confirm_signer(auth, user.username, password, _EVERY_ROLE)


def two_step_status(auth: AuthService, user: User) -> TwoStepStatus:
    """Whether ``user`` has it on, is setting it up, must have it, and codes left."""
    return _second(auth).status(user)


def start_two_step(auth: AuthService, user: User, password: str) -> Enrolment:
    """A new secret to set up (password first); confirmed by :func:`confirm_two_step`."""
    second = _second(auth)
    _password(auth, user, password)
    return second.start(user)


def confirm_two_step(auth: AuthService, user: User, code: str) -> list[str]:
    """Turn it on with a first code from the app; the recovery codes, shown once."""
    if not code.strip():
        raise InvalidInput("code: type the code your authenticator app shows")
    return _second(auth).confirm(user, code)


def turn_off_two_step(auth: AuthService, user: User, password: str, code: str) -> None:
    """Turn it off: the password and a current code (or a recovery code), both."""
    second = _second(auth)
    if second.required_for(user):
        raise InvalidInput(f"two-step sign-in is required for the {user.role.value} role")
    if not second.is_on(user.id):
        raise InvalidInput("two-step sign-in is not on")
    if not code.strip():
        raise InvalidInput("code: type a current code from your app (or a recovery code)")
    _password(auth, user, password)
    second.turn_off(user, code)


def replace_recovery_codes(auth: AuthService, user: User, password: str) -> list[str]:
    """New recovery codes (password first); the old ones stop working."""
    second = _second(auth)
    _password(auth, user, password)
    return second.new_recovery_codes(user)


def reset_two_step(auth: AuthService, admin: User, admin_password: str, user_id: int) -> bool:
    """An admin removes another person's authenticator and ends their sessions; whether
    they had one. Audited; the admin's own is refused."""
    second = _second(auth)
    if admin.role is not Role.ADMIN:
        raise PermissionDenied("only an admin can reset another person's two-step sign-in")
    if admin.id == user_id:
        raise PermissionDenied(
            "two-step sign-in: an admin cannot reset their own; another admin can, or use "
            "/account/security to get new recovery codes"
        )
    with auth.uow_factory() as uow:
        if uow.bind(auth.stores.users).get(user_id) is None:
            raise NotFound(f"no user {user_id}")
    _password(auth, admin, admin_password)

    def end_sessions(uow: UnitOfWork) -> None:
        ended = uow.bind(auth.stores.sessions).delete_for_user(user_id)
        record_audit(
            uow, admin.actor(), "user", user_id, AuditAction.UPDATE,
            {"sessions": "open"}, {"sessions": f"{ended} ended by a two-step reset"},
        )  # fmt: skip

    return second.reset(admin.actor(), user_id, end_sessions)
