"""People who sign in: accounts and roles, password hashes, sessions, sign-in limits
(with lockout notices), re-authentication of every signature and the demo accounts.
"""

from marrowscope.services.accounts.auth import (
    FAILURE_WINDOW_S,
    MAX_FAILURES,
    MAX_FAILURES_PER_CLIENT,
    AuthService,
    Session,
    SessionPolicy,
    SignInThrottle,
)
from marrowscope.services.accounts.lockouts import (
    AccountNoticeStore,
    LockoutEvent,
    LockoutNotifier,
    Lockouts,
)
from marrowscope.services.accounts.memory_limits import (
    LoginThrottle,
)
from marrowscope.services.accounts.reauth import (
    confirm_password,
    confirm_signer,
)
from marrowscope.services.accounts.sign_in_limits import (
    SignInLimitStore,
    StoredThrottle,
)
from marrowscope.services.accounts.users import (
    DEMO_USERS,
    DemoUser,
    create_user,
    ensure_demo_users,
    get_user,
    hash_password,
    list_users,
    needs_rehash,
    verify_password,
)

__all__ = [
    "AccountNoticeStore",
    "FAILURE_WINDOW_S",
    "MAX_FAILURES",
    "MAX_FAILURES_PER_CLIENT",
    "AuthService",
    "DEMO_USERS",
    "DemoUser",
    "LockoutEvent",
    "LockoutNotifier",
    "Lockouts",
    "LoginThrottle",
    "Session",
    "SessionPolicy",
    "SignInLimitStore",
    "SignInThrottle",
    "StoredThrottle",
    "confirm_password",
    "confirm_signer",
    "create_user",
    "ensure_demo_users",
    "get_user",
    "hash_password",
    "list_users",
    "needs_rehash",
    "verify_password",
]
