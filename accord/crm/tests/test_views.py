import datetime as dt

import pytest
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.crm.models import Client, Contact, Interaction
from accord.testing import factories as f


@pytest.mark.django_db
class TestClientPages:
    def test_list_filters_and_counts(self, world):
        f.ClientFactory(
            organization=world.org, name="Nordlicht Retail GmbH", industry="retail", tags="Web, Relaunch"
        )
        f.ClientFactory(organization=world.other_org, name="Nordlicht Foreign")
        f.InteractionFactory(client=world.client, follow_up_on=timezone.localdate())
        http = world.http(world.member)
        page = http.get("/clients/").content.decode()
        assert "Huaxin Manufacturing 华信制造" in page and "Nordlicht Retail GmbH" in page
        assert "Nordlicht Foreign" not in page
        page = http.get("/clients/", {"industry": "retail"}).content.decode()
        assert "Nordlicht Retail GmbH" in page and "华信制造" not in page
        page = http.get("/clients/", {"q": "华信"}).content.decode()
        assert "华信制造" in page and "Nordlicht" not in page
        # A contact's Chinese name finds the client too.
        page = http.get("/clients/", {"q": "李娜"}).content.decode()
        assert "华信制造" in page
        page = http.get("/clients/", {"tag": "relaunch"}).content.decode()
        assert "Nordlicht Retail GmbH" in page and "华信制造" not in page
        response = http.get("/clients/", {"status": "nonsense"})
        assert response.status_code == 200  # an invalid filter shows everything, never a 500

    def test_list_flags_active_clients_not_heard_from(self, world):
        quiet = f.ClientFactory(organization=world.org, name="Quiet Client")
        f.InteractionFactory(client=quiet, occurred_at=timezone.now() - dt.timedelta(days=45))
        f.InteractionFactory(client=world.client, occurred_at=timezone.now() - dt.timedelta(days=2))
        page = world.http(world.member).get("/clients/").content.decode()
        quiet_row = page[page.index("Quiet Client") :]
        huaxin_row = page[page.index("华信制造") :]
        assert 'class="overdue"' in quiet_row[: quiet_row.index("</tr>")]
        assert 'class="overdue"' not in huaxin_row[: huaxin_row.index("</tr>")]

    def test_list_is_paginated(self, world):
        for n in range(30):
            f.ClientFactory(organization=world.org, name=f"Client {n:02d}")
        http = world.http(world.member)
        first = http.get("/clients/").content.decode()
        second = http.get("/clients/", {"page": 2}).content.decode()
        assert "Client 00" in first and "Client 29" not in first
        assert "Client 29" in second

    def test_create_and_edit(self, world):
        http = world.http(world.member)
        data = {
            "name": "苏州华信精密制造有限公司",
            "status": "active",
            "industry": "manufacturing",
            "language": "zh-hans",
            "timezone": "Asia/Shanghai",
            "currency": "CNY",
            "preferred_channel": "wecom",
            "report_cadence": "biweekly",
            "tags": "ERP, 制造",
            "owner": world.manager.pk,
            "goals": "年底前上线ERP",
        }
        response = http.post("/clients/new/", data)
        client = Client.objects.get(name="苏州华信精密制造有限公司")
        assert response.status_code == 302 and response["Location"] == f"/clients/{client.pk}/"
        assert client.owner == world.manager and client.currency == "CNY"
        response = http.post(f"/clients/{client.pk}/edit/", {**data, "status": "former"})
        assert response.status_code == 302
        client.refresh_from_db()
        assert client.status == "former"
        assert AuditEntry.objects.filter(object_id=str(client.pk)).count() == 2

    @pytest.mark.parametrize(
        "field,value",
        [("currency", "XYZ"), ("timezone", "Mars/Olympus"), ("name", ""), ("website", "not a website")],
    )
    def test_bad_input_is_shown_beside_the_field(self, world, field, value):
        data = {
            "name": "Bad Input Ltd",
            "status": "active",
            "industry": "other",
            "language": "en",
            "timezone": "UTC",
            "currency": "EUR",
            "preferred_channel": "email",
            "report_cadence": "weekly",
            field: value,
        }
        response = world.http(world.member).post("/clients/new/", data)
        assert response.status_code == 422
        assert field in response.context["form"].errors
        assert f'id="id_{field}_errors"' in response.content.decode()
        assert not Client.objects.filter(name="Bad Input Ltd").exists()

    def test_owner_from_another_org_is_refused(self, world):
        response = world.http(world.member).post(
            "/clients/new/",
            {
                "name": "X",
                "status": "active",
                "industry": "other",
                "language": "en",
                "timezone": "UTC",
                "currency": "EUR",
                "preferred_channel": "email",
                "report_cadence": "weekly",
                "owner": world.outsider.pk,
            },
        )
        assert "owner" in response.context["form"].errors

    def test_client_page_shows_everything(self, world, django_assert_max_num_queries):
        now = timezone.now()
        f.InteractionFactory(
            client=world.client,
            summary="Kick-off 启动会",
            kind="meeting",
            occurred_at=now - dt.timedelta(days=9),
        )
        latest = f.InteractionFactory(
            client=world.client,
            summary="电话确认需求",
            occurred_at=now - dt.timedelta(days=1),
            sentiment="negative",
            follow_up_on=timezone.localdate(),
            follow_up_owner=world.member,
        )
        latest.contacts.add(world.contact)
        page = world.http(world.member).get(f"/clients/{world.client.pk}/").content.decode()
        assert page.index("电话确认需求") < page.index("Kick-off 启动会")  # newest first
        assert "李娜" in page and "ERP rollout" in page
        assert "Data migration" not in page  # the member is not on that project
        assert 'id="open-follow-ups"' in page and page.count('<svg class="icon"') >= 2
        assert "History" in page

    def test_delete_refused_with_projects_then_allowed(self, world):
        http = world.http(world.manager)
        response = http.post(f"/clients/{world.client.pk}/delete/", follow=True)
        assert Client.objects.filter(pk=world.client.pk).exists()
        assert "cannot be deleted" in response.content.decode()
        client = f.ClientFactory(organization=world.org)
        assert http.post(f"/clients/{client.pk}/delete/").status_code == 302
        assert not Client.objects.filter(pk=client.pk).exists()
        assert world.http(world.member).post(f"/clients/{world.client.pk}/delete/").status_code == 403

    def test_other_org_is_404(self, world):
        http = world.http(world.member)
        for url in (
            "/clients/{}/",
            "/clients/{}/edit/",
            "/clients/{}/contacts/new/",
            "/clients/{}/interactions/new/",
        ):
            assert http.get(url.format(world.foreign_client.pk)).status_code == 404


@pytest.mark.django_db
class TestContactPages:
    def test_create_edit_delete(self, world):
        http = world.http(world.member)
        data = {
            "name_local": "王伟",
            "first_name": "Wei",
            "last_name": "Wang",
            "role": "sponsor",
            "email": "Wang.Wei@Huaxin.example",
            "wecom": "wangwei",
            "preferred_channel": "wecom",
            "language": "zh-hans",
            "is_active": "on",
        }
        response = http.post(f"/clients/{world.client.pk}/contacts/new/", data)
        assert response.status_code == 302
        contact = Contact.objects.get(name_local="王伟")
        assert contact.email == "wang.wei@huaxin.example" and contact.client == world.client
        page = http.get(f"/contacts/{contact.pk}/").content.decode()
        assert "王伟 (Wei Wang)" in page and "wangwei" in page
        http.post(f"/contacts/{contact.pk}/edit/", {**data, "title": "总经理"})
        contact.refresh_from_db()
        assert contact.title == "总经理"
        assert http.post(f"/contacts/{contact.pk}/delete/").status_code == 302
        assert not Contact.objects.filter(pk=contact.pk).exists()

    def test_bad_email_and_missing_name(self, world):
        response = world.http(world.member).post(
            f"/clients/{world.client.pk}/contacts/new/",
            {"email": "not-an-email", "role": "other", "preferred_channel": "email", "language": "en"},
        )
        errors = response.context["form"].errors
        assert "email" in errors and "last_name" in errors
        assert Contact.objects.filter(client=world.client).count() == 1

    def test_other_org_is_404(self, world):
        http = world.http(world.member)
        for url in ("/contacts/{}/", "/contacts/{}/edit/", "/contacts/{}/delete/"):
            assert http.get(url.format(world.foreign_contact.pk)).status_code == 404
        assert http.post(f"/contacts/{world.foreign_contact.pk}/delete/").status_code == 404
        assert Contact.objects.filter(pk=world.foreign_contact.pk).exists()


def _interaction_data(**extra):
    return {
        "kind": "call",
        "direction": "outbound",
        "occurred_at": "2026-11-20T10:00",
        "summary": "电话沟通：确认上线日期",
        "body": "**重点**：下周一上线",
        "sentiment": "positive",
        **extra,
    }


@pytest.mark.django_db
class TestInteractionPages:
    def test_log_in_the_users_time_zone(self, world):
        world.member.timezone = "Asia/Shanghai"
        world.member.save()
        http = world.http(world.member)
        response = http.post(
            f"/clients/{world.client.pk}/interactions/new/",
            _interaction_data(
                contacts=[world.contact.pk],
                project=world.project.pk,
                follow_up_on="2026-11-27",
                follow_up_owner=world.member.pk,
            ),
        )
        interaction = Interaction.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/interactions/{interaction.pk}/"
        assert interaction.occurred_at == dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
        assert list(interaction.contacts.all()) == [world.contact]
        assert interaction.project == world.project and interaction.created_by == world.member
        page = http.get(f"/interactions/{interaction.pk}/").content.decode()
        assert "<strong>重点</strong>" in page and "李娜" in page and "ERP rollout" in page

    def test_contact_and_project_of_another_client_refused(self, world):
        other_client = f.ClientFactory(organization=world.org)
        stranger = f.ContactFactory(client=other_client)
        foreign_project = f.ProjectFactory(client=other_client)
        response = world.http(world.manager).post(
            f"/clients/{world.client.pk}/interactions/new/",
            _interaction_data(contacts=[stranger.pk], project=foreign_project.pk),
        )
        errors = response.context["form"].errors
        assert "contacts" in errors and "project" in errors
        assert not Interaction.objects.exists()

    def test_missing_fields(self, world):
        response = world.http(world.member).post(
            f"/clients/{world.client.pk}/interactions/new/", {"kind": "fax"}
        )
        errors = response.context["form"].errors
        assert {"kind", "summary", "occurred_at"} <= set(errors)

    def test_edit_delete_follow_up_done(self, world):
        interaction = f.InteractionFactory(
            client=world.client, follow_up_on=timezone.localdate(), follow_up_owner=world.member
        )
        http = world.http(world.member)
        response = http.post(
            f"/interactions/{interaction.pk}/edit/",
            _interaction_data(
                summary="已更新",
                follow_up_on=timezone.localdate().isoformat(),
                follow_up_owner=world.member.pk,
            ),
        )
        assert response.status_code == 302
        interaction.refresh_from_db()
        assert interaction.summary == "已更新"
        response = http.post(
            f"/interactions/{interaction.pk}/follow-up-done/", headers={"HX-Request": "true"}
        )
        assert response.status_code == 200 and "badge ok" in response.content.decode()
        interaction.refresh_from_db()
        assert interaction.follow_up_done_at is not None
        response = http.post(
            f"/interactions/{interaction.pk}/follow-up-done/", {"next": "https://evil.example/"}
        )
        assert response["Location"] == f"/interactions/{interaction.pk}/"
        assert http.post(f"/interactions/{interaction.pk}/delete/").status_code == 302
        assert not Interaction.objects.filter(pk=interaction.pk).exists()

    def test_preview_is_sanitised(self, world):
        response = world.http(world.member).post(
            "/interactions/preview/", {"body": "**粗体** <script>alert(1)</script> [x](javascript:alert(1))"}
        )
        html = response.content.decode()
        assert "<strong>粗体</strong>" in html and "<script>" not in html and "javascript:" not in html

    def test_other_org_is_404(self, world):
        foreign = f.InteractionFactory(client=world.foreign_client, follow_up_on=timezone.localdate())
        http = world.http(world.member)
        for url in ("/interactions/{}/", "/interactions/{}/edit/", "/interactions/{}/delete/"):
            assert http.get(url.format(foreign.pk)).status_code == 404
        assert http.post(f"/interactions/{foreign.pk}/follow-up-done/").status_code == 404
        assert http.post(f"/interactions/{foreign.pk}/delete/").status_code == 404
        foreign.refresh_from_db()
        assert foreign.follow_up_done_at is None

    def test_ten_megabyte_body_is_refused(self, world):
        response = world.http(world.member).post(
            f"/clients/{world.client.pk}/interactions/new/",
            _interaction_data(body="长" * (10 * 1024 * 1024 // 3)),
        )
        assert response.status_code in (400, 413)
        assert not Interaction.objects.exists()


@pytest.mark.django_db
class TestSearch:
    def test_finds_chinese_and_english_substrings_in_the_org_only(self, world):
        f.InteractionFactory(client=world.client, summary="Weekly call", body="讨论了MES接口的进度")
        f.InteractionFactory(client=world.foreign_client, summary="Foreign MES interface")
        f.ContactFactory(
            client=world.client, first_name="Anna", last_name="Schmidt", email="anna@nordlicht.example"
        )
        http = world.http(world.member)
        page = http.get("/search/", {"q": "mes接口"}).content.decode()
        assert "Weekly call" in page and "Foreign" not in page
        assert "<mark>MES接口</mark>" in page
        page = http.get("/search/", {"q": "schMIDT"}).content.decode()
        assert "Anna <mark>Schmidt</mark>" in page
        page = http.get("/search/", {"q": "华信"}).content.decode()
        assert f'href="/clients/{world.client.pk}/"' in page
        page = http.get("/search/", {"q": "Rival"}).content.decode()
        assert "Rival Client" not in page

    def test_highlight_escapes(self, world):
        f.InteractionFactory(client=world.client, summary="<b>bold</b> plan")
        page = world.http(world.member).get("/search/", {"q": "plan"}).content.decode()
        assert "&lt;b&gt;bold&lt;/b&gt; <mark>plan</mark>" in page


def _fill(world, n):
    for i in range(n):
        client = f.ClientFactory(organization=world.org, name=f"Bulk {i:02d}", owner=world.manager)
        f.ContactFactory(client=client)
        f.InteractionFactory(client=client, follow_up_on=timezone.localdate())


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 50])
def test_client_list_query_count(world, rows, django_assert_num_queries):
    _fill(world, rows)
    http = world.http(world.member)
    http.get("/clients/")  # warm the session
    with django_assert_num_queries(7):
        assert http.get("/clients/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 50])
def test_client_page_query_count(world, rows, django_assert_num_queries):
    for i in range(rows):
        contact = f.ContactFactory(client=world.client)
        interaction = f.InteractionFactory(
            client=world.client,
            project=world.project,
            created_by=world.member,
            follow_up_on=timezone.localdate(),
            follow_up_owner=world.member,
        )
        interaction.contacts.add(contact)
    http = world.http(world.member)
    http.get(f"/clients/{world.client.pk}/")
    with django_assert_num_queries(12):  # 11 + the latest health snapshots
        assert http.get(f"/clients/{world.client.pk}/").status_code == 200
