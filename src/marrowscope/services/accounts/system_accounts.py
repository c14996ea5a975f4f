"""A hospital system's account (role ``interface``) checked on every API call.

A system calls over the network without a session, so each request carries the
username and password (HTTP Basic). Unlike a signature, the caller is unknown until the
password matches, so: an account that is not a system account is never touched (its
own rate limit is not counted, so a guesser on the API cannot pause a pathologist's
signing), and every refusal reads the same and costs the same argon2 check, so the
answer says neither whether the username exists nor which role it holds. Wrong
passwords for a system account are limited like a signature's (``confirm_signer``).
"""

from __future__ import annotations

from marrowscope.domain.accounts.model import User
from marrowscope.domain.errors import AuthenticationFailed
from marrowscope.domain.roles import Role
from marrowscope.services.accounts.auth import _DUMMY_HASH, AuthService
from marrowscope.services.accounts.reauth import confirm_signer
from marrowscope.services.accounts.users import verify_password

__all__ = ["SYSTEM_REFUSAL", "confirm_system_account"]

SYSTEM_REFUSAL = "no active interface account with this username and password"


def confirm_system_account(
    auth: AuthService, username: str, password: str, role: Role = Role.INTERFACE
) -> User:
    """The active account ``username`` of ``role`` whose password this is; else
    ``AuthenticationFailed`` (one message for every cause) or ``TooManyAttempts``."""
    name = username.strip().lower()
    with auth.uow_factory() as uow:
        found = uow.bind(auth.stores.users).by_username(name)
    if not password or found is None or found[0].role is not role or not found[0].active:
        verify_password(_DUMMY_HASH, password or "-")  # the same cost as a real check
        raise AuthenticationFailed(SYSTEM_REFUSAL)
    try:
        return confirm_signer(auth, name, password, {role})
    except AuthenticationFailed:
        raise AuthenticationFailed(SYSTEM_REFUSAL) from None
