"""Re-authentication: the signed-in person types their password again before signing.

A session cookie proves a browser was signed in, not that the pathologist is at the
keyboard; sign-out of a report is a signature, so it asks for the password again
(checked with argon2 like sign-in) and counts failures in the same throttle, so a
left-open session cannot be used to guess the password either.
"""

from __future__ import annotations

from marrowscope.domain.accounts.model import User
from marrowscope.domain.errors import AuthenticationFailed
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.accounts.auth import SignInThrottle
from marrowscope.services.accounts.users import verify_password
from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["confirm_password"]


def confirm_password(
    uow_factory: UnitOfWorkFactory,
    stores: AccountStores,
    throttle: SignInThrottle,
    user: User,
    password: str,
) -> None:
    """Raise ``AuthenticationFailed`` unless ``password`` is ``user``'s current password."""
    key = "user:" + user.username.strip().lower()
    throttle.check(key)
    with uow_factory() as uow:
        found = uow.bind(stores.users).by_username(user.username)
    if found is None or not found[0].active or not verify_password(found[1], password):
        throttle.fail(key)
        raise AuthenticationFailed("password: that is not your current password")
