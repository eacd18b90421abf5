"""The audit trail of one object through the API: raw entries, only for who may see the object."""

import pytest

from accord.audit.services import audit_create, audit_event, audit_update, snapshot
from accord.testing import factories as f


def _trail(api, object_type, object_id, language="en", **params):
    query = {"object_type": object_type, "object_id": object_id, **params}
    return api.get("/audit", query, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.django_db
def test_a_project_member_reads_the_raw_trail_newest_first(world):
    task = f.TaskFactory(project=world.project, title="Load data")
    audit_create(world.manager, task)
    before = snapshot(task)
    task.title = "导入数据"
    task.save()
    audit_update(world.manager, task, before)
    response = _trail(world.api(world.member), "projects.task", task.pk)
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [e["action"] for e in items] == ["update", "create"]
    assert items[0]["changes"]["title"] == ["Load data", "导入数据"]
    assert items[0]["actor_id"] == world.manager.pk and items[0]["project_id"] == world.project.pk
    assert items[0]["object_type"] == "projects.task" and items[0]["object_id"] == str(task.pk)


@pytest.mark.django_db
def test_the_trail_is_paged_by_cursor(world):
    for n in range(3):
        audit_event(world.manager, world.client, f"step-{n}")
    api = world.api(world.member)
    first = _trail(api, "crm.client", world.client.pk, limit=2).json()
    assert [e["verb"] for e in first["items"]] == ["step-2", "step-1"]
    second = _trail(api, "crm.client", world.client.pk, limit=2, cursor=first["next_cursor"]).json()
    assert [e["verb"] for e in second["items"]] == ["step-0"] and second["next_cursor"] is None


@pytest.mark.django_db
def test_a_project_the_member_is_not_on_is_not_found(world):
    task = f.TaskFactory(project=world.other_project)
    audit_create(world.manager, task)
    assert _trail(world.api(world.member), "projects.task", task.pk).status_code == 404
    assert _trail(world.api(world.manager), "projects.task", task.pk).status_code == 200


@pytest.mark.django_db
def test_another_organisations_object_is_not_found(world):
    audit_create(world.outsider, world.foreign_project)
    api = world.api(world.admin)
    assert _trail(api, "projects.project", world.foreign_project.pk).status_code == 404
    assert _trail(api, "crm.client", world.foreign_client.pk).status_code == 404
    assert _trail(api, "tenancy.organization", world.other_org.pk).status_code == 404


@pytest.mark.django_db
def test_organisation_records_are_for_administrators(world):
    membership = world.memberships[world.member.pk]
    audit_event(world.owner, membership, "removed")
    assert _trail(world.api(world.manager), "tenancy.membership", membership.pk).status_code == 403
    assert _trail(world.api(world.admin), "tenancy.membership", membership.pk).status_code == 200
    assert _trail(world.api(world.manager), "tenancy.organization", world.org.pk).status_code == 403
    assert _trail(world.api(world.admin), "tenancy.organization", world.org.pk).status_code == 200


@pytest.mark.django_db
def test_client_contacts_are_refused(world):
    response = _trail(world.api(world.client_user), "projects.project", world.project.pk)
    assert response.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Unknown kind of object: give app.model, e.g. crm.client or risks.risk."),
        ("zh-hans", "未知的对象类型：请写成 app.model，例如 crm.client 或 risks.risk。"),
    ],
)
@pytest.mark.parametrize("object_type", ["nope.model", "auth.group", "audit.auditentry", "risks"])
def test_an_unknown_kind_is_a_translated_422(world, language, message, object_type):
    response = _trail(world.api(world.admin), object_type, 1, language)
    assert response.status_code == 422, response.content
    assert response.json()["errors"] == [{"field": "object_type", "message": message}]


@pytest.mark.django_db
def test_a_kind_without_history_is_a_422(world):
    response = _trail(world.api(world.admin), "tenancy.user", world.member.pk)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "object_type"
