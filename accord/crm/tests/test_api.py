import datetime as dt

import pytest
from django.utils import timezone

from accord.crm.models import Client, Contact, Interaction
from accord.testing import factories as f


def fields(response):
    return {e["field"] for e in response.json()["errors"]}


@pytest.mark.django_db
class TestClientsApi:
    def test_create_get_patch_delete(self, world):
        api = world.api(world.manager)
        response = api.post(
            "/clients",
            {
                "name": "苏州华信精密制造有限公司",
                "currency": "CNY",
                "timezone": "Asia/Shanghai",
                "industry": "manufacturing",
                "tags": "ERP,制造",
                "owner_id": world.member.pk,
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (
            body["currency"] == "CNY" and body["owner_id"] == world.member.pk and body["tags"] == "ERP, 制造"
        )
        pk = body["id"]
        assert api.get(f"/clients/{pk}").json()["name"] == "苏州华信精密制造有限公司"
        response = api.patch(f"/clients/{pk}", {"goals": "年底上线", "website": None})
        assert response.status_code == 200
        assert response.json()["goals"] == "年底上线" and response.json()["currency"] == "CNY"
        assert api.delete(f"/clients/{pk}").status_code == 204
        assert not Client.objects.filter(pk=pk).exists()

    @pytest.mark.parametrize(
        "body,field",
        [
            ({}, "name"),
            ({"name": 12}, "name"),
            ({"name": "X", "currency": "XYZ"}, "currency"),
            ({"name": "X", "timezone": "Mars/Base"}, "timezone"),
            ({"name": "X", "status": "maybe"}, "status"),
            ({"name": "X" * 201}, "name"),
            ({"name": "X", "owner_id": "abc"}, "owner_id"),
        ],
    )
    def test_bad_input_is_422_naming_the_field(self, world, body, field):
        response = world.api(world.member).post("/clients", body)
        assert response.status_code == 422, response.content
        assert field in fields(response)
        assert not Client.objects.filter(name="X").exists()

    def test_owner_of_another_org_is_refused(self, world):
        response = world.api(world.member).post("/clients", {"name": "X", "owner_id": world.outsider.pk})
        assert response.status_code == 422 and fields(response) == {"owner_id"}

    def test_delete_with_projects_is_refused(self, world):
        response = world.api(world.admin).delete(f"/clients/{world.client.pk}")
        assert response.status_code == 422 and "cannot be deleted" in response.json()["message"]

    def test_filters_and_pages(self, world):
        f.ClientFactory(organization=world.org, name="Nordlicht Retail GmbH", status="prospect", tags="web")
        for n in range(3):
            f.ClientFactory(organization=world.org, name=f"Bulk {n}", industry="finance")
        api = world.api(world.member)
        names = lambda r: [c["name"] for c in r.json()["items"]]  # noqa: E731
        assert names(api.get("/clients", {"q": "华信"})) == ["Huaxin Manufacturing 华信制造"]
        assert names(api.get("/clients", {"q": "李娜"})) == ["Huaxin Manufacturing 华信制造"]
        assert names(api.get("/clients", {"q": "nordLICHT"})) == ["Nordlicht Retail GmbH"]
        assert names(api.get("/clients", {"status": "prospect"})) == ["Nordlicht Retail GmbH"]
        assert names(api.get("/clients", {"tag": "WEB"})) == ["Nordlicht Retail GmbH"]
        assert len(names(api.get("/clients", {"industry": "finance"}))) == 3
        first = api.get("/clients", {"limit": 2}).json()
        second = api.get("/clients", {"limit": 2, "cursor": first["next_cursor"]}).json()
        seen = [c["id"] for c in first["items"] + second["items"]]
        assert len(set(seen)) == 4
        assert api.get("/clients", {"cursor": "!!"}).status_code == 422
        assert api.get("/clients", {"status": "nope"}).status_code == 422
        assert "Rival Client" not in names(api.get("/clients", {"limit": 200}))

    def test_other_org_is_404(self, world):
        api = world.api(world.member)
        pk = world.foreign_client.pk
        assert api.get(f"/clients/{pk}").status_code == 404
        assert api.patch(f"/clients/{pk}", {"name": "Taken"}).status_code == 404
        assert api.delete(f"/clients/{pk}").status_code == 404
        world.foreign_client.refresh_from_db()
        assert world.foreign_client.name == "Rival Client"

    def test_ten_megabyte_body(self, world):
        response = world.api(world.member).post("/clients", {"name": "X", "notes": "x" * (10 * 1024 * 1024)})
        assert response.status_code == 413
        assert not Client.objects.filter(name="X").exists()


@pytest.mark.django_db
class TestContactsApi:
    def test_create_and_filter(self, world):
        api = world.api(world.member)
        response = api.post(
            "/contacts",
            {
                "client_id": world.client.pk,
                "name_local": "王伟",
                "email": "Wang.Wei@Huaxin.example",
                "role": "sponsor",
                "wecom": "wangwei",
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["email"] == "wang.wei@huaxin.example"
        assert response.json()["display_name"] == "王伟"
        ids = lambda r: [c["name_local"] for c in r.json()["items"]]  # noqa: E731
        assert ids(api.get("/contacts", {"q": "王"})) == ["王伟"]
        assert ids(api.get("/contacts", {"role": "sponsor"})) == ["王伟"]
        assert ids(api.get("/contacts", {"email": "WANG.WEI@huaxin.example"})) == ["王伟"]
        assert len(api.get("/contacts", {"client_id": world.client.pk}).json()["items"]) == 2
        assert api.get("/contacts", {"client_id": world.foreign_client.pk}).json()["items"] == []

    def test_bad_input(self, world):
        api = world.api(world.member)
        response = api.post("/contacts", {"client_id": world.client.pk, "last_name": "X", "email": "nope"})
        assert response.status_code == 422 and fields(response) == {"email"}
        response = api.post("/contacts", {"client_id": world.client.pk})
        assert response.status_code == 422 and "last_name" in fields(response)
        response = api.post("/contacts", {"last_name": "X"})
        assert response.status_code == 422 and "client_id" in fields(response)
        response = api.post("/contacts", {"client_id": world.foreign_client.pk, "last_name": "X"})
        assert response.status_code == 422 and fields(response) == {"client_id"}
        assert not Contact.objects.filter(last_name="X").exists()

    def test_patch_delete_and_other_org(self, world):
        api = world.api(world.member)
        response = api.patch(f"/contacts/{world.contact.pk}", {"title": "CIO", "is_active": False})
        assert (
            response.status_code == 200
            and response.json()["title"] == "CIO"
            and not response.json()["is_active"]
        )
        assert response.json()["name_local"] == "李娜"
        pk = world.foreign_contact.pk
        assert api.get(f"/contacts/{pk}").status_code == 404
        assert api.patch(f"/contacts/{pk}", {"title": "x"}).status_code == 404
        assert api.delete(f"/contacts/{pk}").status_code == 404
        assert api.delete(f"/contacts/{world.contact.pk}").status_code == 204


@pytest.mark.django_db
class TestInteractionsApi:
    def test_create_with_links(self, world):
        world.member.timezone = "Asia/Shanghai"
        world.member.save()
        api = world.api(world.member)
        response = api.post(
            "/interactions",
            {
                "client_id": world.client.pk,
                "summary": "企业微信沟通",
                "kind": "im",
                "channel": "wecom",
                "contact_ids": [world.contact.pk],
                "project_id": world.project.pk,
                "occurred_at": "2026-11-20T10:00:00",
                "follow_up_on": "2026-11-27",
                "follow_up_owner_id": world.member.pk,
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["contact_ids"] == [world.contact.pk] and body["project_id"] == world.project.pk
        assert body["follow_up_open"] is True and body["source"] == "api"
        interaction = Interaction.objects.get(pk=body["id"])
        assert interaction.occurred_at == dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)

    @pytest.mark.parametrize(
        "extra,field",
        [
            ({"contact_ids": "foreign"}, "contact_ids"),
            ({"contact_ids": "other_client"}, "contact_ids"),
            ({"project_id": "foreign"}, "project_id"),
            ({"follow_up_owner_id": "outsider"}, "follow_up_owner_id"),
            ({"kind": "fax"}, "kind"),
            ({"occurred_at": "yesterday"}, "occurred_at"),
            ({"summary": ""}, "summary"),
        ],
    )
    def test_refuses_what_is_not_this_clients(self, world, extra, field):
        other_contact = f.ContactFactory(client=f.ClientFactory(organization=world.org))
        values = {
            "foreign": [world.foreign_contact.pk] if field == "contact_ids" else world.foreign_project.pk,
            "other_client": [other_contact.pk],
            "outsider": world.outsider.pk,
        }
        extra = {k: values.get(v, v) if isinstance(v, str) else v for k, v in extra.items()}
        response = world.api(world.member).post(
            "/interactions", {"client_id": world.client.pk, "summary": "x", **extra}
        )
        assert response.status_code == 422, response.content
        assert field in fields(response)
        assert not Interaction.objects.exists()

    def test_client_of_another_org(self, world):
        response = world.api(world.member).post(
            "/interactions", {"client_id": world.foreign_client.pk, "summary": "x"}
        )
        assert response.status_code == 422 and fields(response) == {"client_id"}

    def test_filters(self, world):
        now = timezone.now()
        a = f.InteractionFactory(
            client=world.client,
            kind="call",
            summary="Call about MES",
            occurred_at=now - dt.timedelta(days=10),
        )
        b = f.InteractionFactory(
            client=world.client,
            kind="email",
            summary="邮件：报价",
            project=world.project,
            occurred_at=now - dt.timedelta(days=2),
            follow_up_on=timezone.localdate(),
        )
        f.InteractionFactory(client=world.foreign_client, summary="Call about MES too")
        api = world.api(world.member)
        ids = lambda params: [i["id"] for i in api.get("/interactions", params).json()["items"]]  # noqa: E731
        assert ids({}) == [b.pk, a.pk]
        assert ids({"kind": "call"}) == [a.pk]
        assert ids({"q": "mes"}) == [a.pk]
        assert ids({"q": "报价"}) == [b.pk]
        assert ids({"project_id": world.project.pk}) == [b.pk]
        assert ids({"client_id": world.client.pk}) == [b.pk, a.pk]
        assert ids({"follow_up_open": "true"}) == [b.pk]
        assert ids({"follow_up_open": "false"}) == [a.pk]
        since = (now - dt.timedelta(days=5)).isoformat()
        assert ids({"since": since}) == [b.pk]
        assert ids({"until": since}) == [a.pk]
        response = api.get(
            "/interactions", {"since": since, "until": (now - dt.timedelta(days=6)).isoformat()}
        )
        assert response.status_code == 422 and fields(response) == {"until"}

    def test_patch_follow_up_done_delete(self, world):
        interaction = f.InteractionFactory(client=world.client, follow_up_on=timezone.localdate())
        interaction.contacts.add(world.contact)
        api = world.api(world.member)
        response = api.patch(f"/interactions/{interaction.pk}", {"sentiment": "negative"})
        assert response.status_code == 200
        assert response.json()["sentiment"] == "negative" and response.json()["contact_ids"] == [
            world.contact.pk
        ]
        response = api.patch(f"/interactions/{interaction.pk}", {"contact_ids": []})
        assert response.json()["contact_ids"] == []
        response = api.patch(f"/interactions/{interaction.pk}", {"contact_ids": [world.foreign_contact.pk]})
        assert response.status_code == 422
        response = api.post(f"/interactions/{interaction.pk}/follow-up-done")
        assert response.status_code == 200 and response.json()["follow_up_open"] is False
        assert api.delete(f"/interactions/{interaction.pk}").status_code == 204

    def test_other_org_is_404(self, world):
        foreign = f.InteractionFactory(client=world.foreign_client, follow_up_on=timezone.localdate())
        api = world.api(world.member)
        assert api.get(f"/interactions/{foreign.pk}").status_code == 404
        assert api.patch(f"/interactions/{foreign.pk}", {"summary": "x"}).status_code == 404
        assert api.post(f"/interactions/{foreign.pk}/follow-up-done").status_code == 404
        assert api.delete(f"/interactions/{foreign.pk}").status_code == 404
        assert Interaction.objects.filter(pk=foreign.pk, follow_up_done_at__isnull=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 50])
def test_contact_list_query_count(world, rows, django_assert_num_queries):
    for _ in range(rows):
        f.ContactFactory(client=world.client)
    api = world.api(world.member)
    with django_assert_num_queries(4):  # authentication, then one page of contacts
        response = api.get("/contacts", {"limit": 100})
    assert len(response.json()["items"]) == rows + 1


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 50])
def test_interaction_list_query_count(world, rows, django_assert_num_queries):
    for _ in range(rows):
        interaction = f.InteractionFactory(client=world.client, project=world.project)
        interaction.contacts.add(world.contact)
    api = world.api(world.member)
    with django_assert_num_queries(5):  # authentication, the page with its joins, its contacts
        response = api.get("/interactions", {"limit": 100})
    assert len(response.json()["items"]) == rows
