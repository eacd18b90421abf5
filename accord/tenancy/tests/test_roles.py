"""Changing roles and removing people follow one rule table (services.ROLE_RULES), through the
web pages: owners manage everyone; admins manage managers, members and client contacts but never
admins or owners; managers and members manage nobody; the last owner stays an owner."""

from __future__ import annotations

import itertools

import pytest

from accord.audit.models import AuditEntry
from accord.tenancy.models import Membership, Role
from accord.tenancy.services import ROLE_RULES
from accord.testing import factories as f

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]
ADMIN_MANAGES = {Role.MANAGER, Role.MEMBER, Role.CLIENT}

# The table, written out: (actor, target's role, new role) → allowed.
EXPECTED = {
    (actor, target, new): (
        actor == Role.OWNER or (actor == Role.ADMIN and target in ADMIN_MANAGES and new in ADMIN_MANAGES)
    )
    for actor, target, new in itertools.product(ROLES, ROLES, ROLES)
}
REFUSED = {
    "en": "Only an owner can change or remove owners and administrators",
    "zh-hans": "只有所有者才能更改或移除所有者和管理员",
}


def _target(world, role) -> Membership:
    return f.MembershipFactory(organization=world.org, role=role)


def _in(language, http):
    http.cookies["django_language"] = language
    return http


def test_the_table_is_the_one_the_services_use():
    for (actor, target, new), allowed in EXPECTED.items():
        rules = ROLE_RULES.get(actor, frozenset())
        assert (target in rules and new in rules) == allowed, (actor, target, new)


@pytest.mark.parametrize("actor_role", ROLES)
def test_every_cell_of_the_role_table_through_the_web(world, actor_role):
    actor = world.memberships[
        {
            Role.OWNER: world.owner,
            Role.ADMIN: world.admin,
            Role.MANAGER: world.manager,
            Role.MEMBER: world.member,
            Role.CLIENT: world.client_user,
        }[actor_role].pk
    ]
    http = world.http(actor.user)
    for target_role, new_role in itertools.product(ROLES, ROLES):
        target = _target(world, target_role)
        response = http.post(f"/accounts/members/{target.pk}/", {"role": new_role})
        target.refresh_from_db()
        cell = (actor_role, target_role, new_role)
        if EXPECTED[cell]:
            assert response.status_code == 302, cell
            assert target.role == new_role, cell
        else:
            # Clients are sent to the portal, managers and members refused the page, admins
            # told why; nothing changes.
            assert response.status_code == {Role.CLIENT: 302, Role.MANAGER: 403, Role.MEMBER: 403}.get(
                actor_role, 422
            ), cell
            assert target.role == target_role, cell


@pytest.mark.parametrize("actor_role", ROLES)
def test_removing_follows_the_same_table(world, actor_role):
    actor_user = {
        Role.OWNER: world.owner,
        Role.ADMIN: world.admin,
        Role.MANAGER: world.manager,
        Role.MEMBER: world.member,
        Role.CLIENT: world.client_user,
    }[actor_role]
    http = world.http(actor_user)
    for target_role in ROLES:
        target = _target(world, target_role)
        response = http.post(f"/accounts/members/{target.pk}/remove/")
        target.refresh_from_db()
        allowed = target_role in ROLE_RULES.get(actor_role, frozenset())
        if allowed:
            assert response.status_code == 302 and not target.is_active, (actor_role, target_role)
            assert AuditEntry.objects.filter(verb="removed", object_id=str(target.pk)).exists()
        else:
            assert response.status_code in (302, 403, 422) and target.is_active, (actor_role, target_role)
            if actor_role in (Role.MANAGER, Role.MEMBER):
                assert response.status_code == 403


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_admin_cannot_demote_or_remove_another_admin_and_is_told_why(world, language):
    other_admin = _target(world, Role.ADMIN)
    http = _in(language, world.http(world.admin))
    page = http.get(f"/accounts/members/{other_admin.pk}/")
    assert page.status_code == 200 and REFUSED[language] in page.content.decode()
    assert 'name="role"' not in page.content.decode()
    demote = http.post(f"/accounts/members/{other_admin.pk}/", {"role": Role.MEMBER})
    assert demote.status_code == 422
    remove = http.post(f"/accounts/members/{other_admin.pk}/remove/")
    assert remove.status_code == 422 and REFUSED[language] in remove.content.decode()
    other_admin.refresh_from_db()
    assert other_admin.role == Role.ADMIN and other_admin.is_active
    # Nor the owner, nor themselves.
    owner = world.memberships[world.owner.pk]
    assert http.post(f"/accounts/members/{owner.pk}/", {"role": Role.MEMBER}).status_code == 422
    assert http.post(f"/accounts/members/{owner.pk}/remove/").status_code == 422
    me = world.memberships[world.admin.pk]
    assert http.post(f"/accounts/members/{me.pk}/", {"role": Role.OWNER}).status_code == 422
    owner.refresh_from_db()
    me.refresh_from_db()
    assert owner.role == Role.OWNER and owner.is_active and me.role == Role.ADMIN


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_last_owner_is_never_demoted_or_removed(world, language):
    owner = world.memberships[world.owner.pk]
    http = _in(language, world.http(world.owner))
    message = {"en": "needs at least one owner", "zh-hans": "至少需要一位所有者"}[language]
    demote = http.post(f"/accounts/members/{owner.pk}/", {"role": Role.ADMIN})
    assert demote.status_code == 422 and message in demote.content.decode()
    remove = http.post(f"/accounts/members/{owner.pk}/remove/")
    assert remove.status_code == 422 and message in remove.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER and owner.is_active
    # With a second owner, either may step down, but then the other is the last one.
    second = _target(world, Role.OWNER)
    assert http.post(f"/accounts/members/{owner.pk}/", {"role": Role.ADMIN}).status_code == 302
    second_http = world.http(second.user)
    assert second_http.post(f"/accounts/members/{second.pk}/remove/").status_code == 422
    second.refresh_from_db()
    assert second.role == Role.OWNER and second.is_active


def test_another_organisations_member_is_not_found(world):
    foreign = f.MembershipFactory(organization=world.other_org, role=Role.MEMBER)
    http = world.http(world.owner)
    assert http.post(f"/accounts/members/{foreign.pk}/", {"role": Role.ADMIN}).status_code == 404
    assert http.post(f"/accounts/members/{foreign.pk}/remove/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.MEMBER and foreign.is_active
