"""An admin records a staff account's provider identifier (an NPI or the site's type).

Kept apart from account creation: the identifier is set when the hospital issues it,
often after the account exists, and changing it changes how every later result names
its signer to the EHR, so each change is audited with the old and new value.
"""

from __future__ import annotations

from dataclasses import replace

from marrowscope.domain.accounts.model import User
from marrowscope.domain.accounts.provider_id import provider_id
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidInput, NotFound, PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["set_provider_id"]

# accounts that act for a system or a patient are no clinician with a provider number
_NOT_CLINICIANS = frozenset({Role.PATIENT, Role.INTERFACE})


def set_provider_id(
    uow: UnitOfWork,
    stores: AccountStores,
    actor: Actor,
    user_id: int,
    *,
    identifier: str,
    id_type: str = "",
    default_type: str = "",
) -> User:
    """Set (or clear, with '' and '') the provider identifier of a staff account; admin
    only. ``default_type`` is the site's type (``hl7_provider_id_type``), against which
    an identifier given without its own type is checked (an NPI by its check digit)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin can set a provider identifier")
    store = uow.bind(stores.users)
    user = store.get(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.role in _NOT_CLINICIANS:
        raise InvalidInput(f"provider_id: a {user.role.value} account is not a clinician")
    value, kind = provider_id(identifier, id_type, default_type)
    store.set_provider_id(user_id, value, kind)
    record_audit(
        uow,
        actor,
        "user",
        user_id,
        AuditAction.UPDATE,
        {"provider_id": user.provider_id, "provider_id_type": user.provider_id_type},
        {"provider_id": value, "provider_id_type": kind},
    )
    uow.commit()
    return replace(user, provider_id=value, provider_id_type=kind)
