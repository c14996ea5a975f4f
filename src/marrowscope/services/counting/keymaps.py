"""Counter keymaps: each morphologist keeps several, named, and picks one per count.

Hands differ (left-handed counters, numeric keypads, laboratory habits), so the key for
each cell class is a preference of the person, stored with their account.
"""

from __future__ import annotations

from collections.abc import Mapping

from marrowscope.domain.accounts.model import Keymap, default_keymap, validate_keymap
from marrowscope.domain.errors import InvalidInput, NotFound
from marrowscope.services.account_stores import AccountStores
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["DEFAULT_NAME", "delete_keymap", "keymaps_of", "save_keymap"]

DEFAULT_NAME = "default"


def keymaps_of(uow: UnitOfWork, stores: AccountStores, user_id: int) -> list[Keymap]:
    """The built-in default first, then the user's own, by name."""
    own = [k for k in uow.bind(stores.keymaps).for_user(user_id) if k.name != DEFAULT_NAME]
    return [Keymap(DEFAULT_NAME, dict(default_keymap())), *own]


def save_keymap(
    uow: UnitOfWork, stores: AccountStores, user_id: int, name: str, mapping: Mapping[str, str]
) -> Keymap:
    """Validate and store (create or replace) one of the user's keymaps."""
    keymap = validate_keymap(name, mapping)
    if keymap.name == DEFAULT_NAME:
        raise InvalidInput(f"keymap name: {DEFAULT_NAME!r} is the built-in one; pick another")
    uow.bind(stores.keymaps).put(user_id, keymap)
    uow.commit()
    return keymap


def delete_keymap(uow: UnitOfWork, stores: AccountStores, user_id: int, name: str) -> None:
    """Remove one of the user's keymaps."""
    store = uow.bind(stores.keymaps)
    if all(k.name != name for k in store.for_user(user_id)):
        raise NotFound(f"no keymap named {name!r}")
    store.remove(user_id, name)
    uow.commit()
