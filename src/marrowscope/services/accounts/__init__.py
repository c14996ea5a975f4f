"""People who sign in: accounts and roles, password hashes and rules, sessions (listed
and ended by their owner or an admin), sign-in limits (with lockout notices), two-step
sign-in, re-authentication of every signature, hospital systems' accounts checked on
every API call, the demo accounts and the provider identifier (an NPI) that results
name a signer by.
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
from marrowscope.services.accounts.password_rules import PasswordRules, breached_passwords
from marrowscope.services.accounts.provider_ids import set_provider_id
from marrowscope.services.accounts.reauth import (
    confirm_password,
    confirm_signer,
)
from marrowscope.services.accounts.second_factor import (
    MFA_ROLES,
    Enrolment,
    SecondFactor,
    SecondFactorRequired,
    TwoStepStatus,
)
from marrowscope.services.accounts.session_list import (
    end_other_sessions,
    end_session,
    end_user_sessions,
    list_sessions,
)
from marrowscope.services.accounts.sign_in_limits import (
    SignInLimitStore,
    StoredThrottle,
)
from marrowscope.services.accounts.system_accounts import (
    SYSTEM_REFUSAL,
    confirm_system_account,
)
from marrowscope.services.accounts.two_step_account import (
    confirm_two_step,
    replace_recovery_codes,
    reset_two_step,
    start_two_step,
    turn_off_two_step,
    two_step_status,
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
    "SYSTEM_REFUSAL",
    "MFA_ROLES",
    "AccountNoticeStore",
    "Enrolment",
    "PasswordRules",
    "SecondFactor",
    "SecondFactorRequired",
    "TwoStepStatus",
    "confirm_two_step",
    "replace_recovery_codes",
    "reset_two_step",
    "start_two_step",
    "turn_off_two_step",
    "two_step_status",
    "breached_passwords",
    "end_other_sessions",
    "end_session",
    "end_user_sessions",
    "list_sessions",
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
    "confirm_system_account",
    "create_user",
    "ensure_demo_users",
    "get_user",
    "hash_password",
    "list_users",
    "needs_rehash",
    "set_provider_id",
    "verify_password",
]
