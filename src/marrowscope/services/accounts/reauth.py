"""Re-authentication: every signature is typed by a real, active account of the right role.

A session cookie proves a browser was signed in, not that the pathologist is at the
keyboard, and a name on the command line proves nothing at all; so every act that signs
(sign-out, amendment, addendum, release, and the CLI's versions of them) asks for the
password again, checked with argon2 like sign-in.

Wrong passwords at a signature are limited under their own key (``sign:NAME``, the same
exponential backoff as sign-in) and never under the account's sign-in key: six typos in
the signature box pause signing for a minute, not the pathologist's sign-in, while a
left-open session still cannot be used to guess the password faster than the sign-in
form allows. A pause is announced to the account holder like a sign-in lockout.
"""

from __future__ import annotations

from collections.abc import Collection

from marrowscope.domain.accounts.model import User
from marrowscope.domain.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from marrowscope.domain.roles import Role
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.accounts.auth import _DUMMY_HASH, AuthService, SignInThrottle
from marrowscope.services.accounts.users import verify_password
from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["confirm_password", "confirm_signer"]


def confirm_signer(
    auth: AuthService, username: str, password: str, roles: Collection[Role]
) -> User:
    """The account ``username`` if it exists, is active, holds one of ``roles`` and
    ``password`` is its current password; otherwise a one-line refusal.

    ``AuthenticationFailed`` for an unknown or inactive account or a wrong password,
    ``PermissionDenied`` for the wrong role, ``TooManyAttempts`` while signing is paused;
    an empty password is ``InvalidInput`` (a form sent without it), not an attempt. The
    role is checked first: it says nothing a signed-in user or a server operator lacks.
    """
    name = username.strip().lower()
    with auth.uow_factory() as uow:
        found = uow.bind(auth.stores.users).by_username(name)
    if found is not None and found[0].active and found[0].role not in roles:
        wanted = " or ".join(sorted(r.value for r in roles))
        raise PermissionDenied(
            f"signer: {found[0].username} holds the {found[0].role.value} role; this "
            f"signature takes a {wanted}"
        )
    if not password:
        raise InvalidInput("password: type your password to sign")
    key = "sign:" + name
    lockouts = auth.throttle.attempt(key)
    if found is None or not found[0].active:
        verify_password(_DUMMY_HASH, password)  # the same cost as a real check
        auth.lockouts.announce(None, lockouts)
        raise AuthenticationFailed(f"signer: no active account named {username.strip()!r}")
    user, password_hash = found
    if not verify_password(password_hash, password):
        auth.lockouts.announce(user, lockouts)
        raise AuthenticationFailed("password: that is not your current password")
    auth.throttle.succeed(key)
    return user


def confirm_password(
    uow_factory: UnitOfWorkFactory,
    stores: AccountStores,
    throttle: SignInThrottle,
    user: User,
    password: str,
) -> None:
    """Raise ``AuthenticationFailed`` unless ``password`` is ``user``'s current password
    (the signed-in person's own signature, any role; limited like ``confirm_signer``)."""
    auth = AuthService(uow_factory, stores, throttle)
    confirm_signer(auth, user.username, password, frozenset(Role))
