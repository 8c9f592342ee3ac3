"""A coordinator changing the post code of a desk not yet enrolled (Settings, Post and
printer; or ``posko setup``) takes the team along, roles and PINs and all. (Before, the
desk moved to a new post whose only operator was a petugas without a PIN: the team stayed
behind, ``needs_coordinator`` was True again and roles were off.)"""

from __future__ import annotations

import pytest

from desktop.store.operators import NotAllowed, Role
from desktop.store.repo import Store
from posko.i18n import N_

SITI, BUDI = "482915", "7301"


def test_changing_the_post_code_keeps_roles_on(store: Store) -> None:
    store.first_coordinator("Siti Rahmawati", SITI, SITI)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
    context = store.require_context()
    store.setup(
        post_code="CLG",
        post_name="Posko Cilegon",
        operator=context.operator_name,
        central_url=context.central_url,
    )
    assert not store.needs_coordinator(), "the desk lost its coordinator: roles are off"
    assert [a.name for a in store.operator_accounts() if a.has_pin], "nobody can sign in"


def test_after_a_post_change_a_petugas_cannot_manage_operators(store: Store) -> None:
    store.first_coordinator("Siti Rahmawati", SITI, SITI)
    store.save_operator("Budi Santoso", role=Role.PETUGAS, pin=BUDI, repeated=BUDI)
    context = store.require_context()
    store.setup(post_code="CLG", post_name="Posko Cilegon", operator=context.operator_name,
                central_url=context.central_url)  # fmt: skip
    assert store.require_context().operator_role == "koordinator"  # Siti, moved along
    store.sign_in("Budi Santoso", BUDI)  # the team moved with its PINs
    with pytest.raises(NotAllowed):  # and roles are still on for a petugas
        store.require(Role.KOORDINATOR, N_("manage the operators"))
