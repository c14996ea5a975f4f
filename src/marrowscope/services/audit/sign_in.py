"""Sign-in events in the audit trail: each sign-in, failure and lockout.

The sign-in limits keep their own rows a day at most (``accounts.sign_in_limits``); the
audit entries stay for the retention period. A failed sign-in names the account when the
typed name is one, and otherwise keeps the typed name only as a keyed pseudonym: people
type passwords into the username box, and a patient's username can identify them.
"""

from __future__ import annotations

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit.record import record_audit
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["ANONYMOUS", "record_sign_in_event"]

# Nobody is signed in at a failed attempt; the log's actor needs a role, and the least
# privileged one says so without suggesting any staff member acted.
ANONYMOUS = Actor("anonymous", Role.PATIENT)


def record_sign_in_event(
    uow: UnitOfWork,
    action: AuditAction,
    *,
    user_id: int | None,
    actor: Actor = ANONYMOUS,
    typed_username: str = "",
    client: str = "",
    detail: str = "",
) -> None:
    """Append one sign-in event (the caller commits).

    ``user_id`` is the account the typed name belongs to (None: no such account, and the
    name goes in only as its pseudonym); ``client`` is the address the attempt came from.
    """
    new: dict[str, str] = {"client": client}
    if user_id is None and typed_username:
        new["typed_username_pseudonym"] = uow.audit.pseudonym(typed_username.strip().lower())
    if detail:
        new["detail"] = detail
    record_audit(uow, actor, "account", user_id if user_id is not None else "unknown", action,
                 None, new)  # fmt: skip
