"""People who sign in: accounts and roles, password hashes, sessions, sign-in limits,
re-authentication and the demo accounts.
"""

from marrowscope.services.accounts.auth import (
    FAILURE_WINDOW_S,
    MAX_FAILURES,
    MAX_FAILURES_PER_CLIENT,
    AuthService,
    LoginThrottle,
    Session,
    SessionPolicy,
    SignInThrottle,
)
from marrowscope.services.accounts.reauth import (
    confirm_password,
)
from marrowscope.services.accounts.sign_in_limits import (
    SignInFailureStore,
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
    "FAILURE_WINDOW_S",
    "MAX_FAILURES",
    "MAX_FAILURES_PER_CLIENT",
    "AuthService",
    "DEMO_USERS",
    "DemoUser",
    "LoginThrottle",
    "Session",
    "SessionPolicy",
    "SignInFailureStore",
    "SignInThrottle",
    "StoredThrottle",
    "confirm_password",
    "create_user",
    "ensure_demo_users",
    "get_user",
    "hash_password",
    "list_users",
    "needs_rehash",
    "verify_password",
]
