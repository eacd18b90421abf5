import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.audit.models import AuditAction, AuditEntry
from accord.crm import services
from accord.crm.models import Client, Contact, Interaction
from accord.testing import factories as f


def m(world, user):
    return world.memberships[user.pk]


@pytest.mark.django_db
class TestClients:
    def test_create_audits_and_normalises_tags(self, world):
        client = services.client_create(
            actor=m(world, world.member),
            name="  苏州华信精密制造有限公司 ",
            tags="ERP, 制造，erp , 华东",
            currency="CNY",
            timezone="Asia/Shanghai",
            owner=world.manager,
        )
        assert client.name == "苏州华信精密制造有限公司"
        assert client.tags == "ERP, 制造, 华东"
        assert client.organization_id == world.org.pk
        entry = AuditEntry.objects.get(object_id=str(client.pk), action=AuditAction.CREATE)
        assert entry.actor == world.member
        assert entry.changes["currency"] == [None, "CNY"]

    @pytest.mark.parametrize(
        "field,value",
        [("currency", "XYZ"), ("timezone", "Mars/Olympus"), ("website", "not a url"), ("name", "")],
    )
    def test_create_refuses_bad_values(self, world, field, value):
        fields = {"name": "Nordlicht", field: value}
        with pytest.raises(ValidationError) as exc:
            services.client_create(actor=m(world, world.member), **fields)
        assert field in exc.value.message_dict
        assert not Client.objects.filter(name="Nordlicht").exists()

    def test_owner_must_be_on_the_team(self, world):
        for stranger in (world.outsider, world.client_user):
            with pytest.raises(ValidationError) as exc:
                services.client_create(actor=m(world, world.member), name="X", owner=stranger)
            assert "owner" in exc.value.message_dict

    def test_update_records_what_changed(self, world):
        services.client_update(
            actor=m(world, world.manager), client=world.client, status="former", goals="Go live"
        )
        world.client.refresh_from_db()
        assert world.client.status == "former"
        entry = AuditEntry.objects.filter(object_id=str(world.client.pk), action=AuditAction.UPDATE).get()
        assert entry.changes["status"] == ["active", "former"]
        assert set(entry.changes) == {"status", "goals"}

    def test_update_with_a_bad_value_changes_nothing(self, world):
        with pytest.raises(ValidationError):
            services.client_update(
                actor=m(world, world.manager), client=world.client, currency="EURO", goals="x"
            )
        world.client.refresh_from_db()
        assert world.client.currency == "EUR" and world.client.goals == ""

    def test_delete_refused_while_it_has_projects(self, world):
        with pytest.raises(ValidationError) as exc:
            services.client_delete(actor=m(world, world.admin), client=world.client)
        assert "2 projects" in exc.value.messages[0]
        assert Client.objects.filter(pk=world.client.pk).exists()

    def test_delete_takes_contacts_and_interactions(self, world):
        client = f.ClientFactory(organization=world.org)
        pk = client.pk
        contact = f.ContactFactory(client=client)
        f.InteractionFactory(client=client)
        services.client_delete(actor=m(world, world.admin), client=client)
        assert not Client.objects.filter(pk=pk).exists()
        assert not Contact.objects.filter(pk=contact.pk).exists()
        assert not Interaction.objects.filter(client_id=pk).exists()
        assert AuditEntry.objects.filter(object_id=str(pk), action=AuditAction.DELETE).exists()


@pytest.mark.django_db
class TestContacts:
    def test_create_lowercases_email_and_audits(self, world):
        contact = services.contact_create(
            actor=m(world, world.member),
            client=world.client,
            name_local="王伟",
            email="Wang.Wei@Huaxin.example",
            wecom="wangwei",
            role="sponsor",
        )
        assert contact.email == "wang.wei@huaxin.example"
        assert contact.organization_id == world.org.pk
        assert AuditEntry.objects.filter(object_id=str(contact.pk), action=AuditAction.CREATE).exists()

    def test_needs_a_name(self, world):
        with pytest.raises(ValidationError) as exc:
            services.contact_create(actor=m(world, world.member), client=world.client, email="a@b.example")
        assert "last_name" in exc.value.message_dict

    def test_bad_email(self, world):
        with pytest.raises(ValidationError) as exc:
            services.contact_create(
                actor=m(world, world.member), client=world.client, last_name="X", email="nope"
            )
        assert "email" in exc.value.message_dict

    def test_client_of_another_org_is_refused(self, world):
        with pytest.raises(ValidationError):
            services.contact_create(actor=m(world, world.member), client=world.foreign_client, last_name="X")
        assert not Contact.objects.filter(last_name="X").exists()

    def test_update_and_delete(self, world):
        services.contact_update(actor=m(world, world.member), contact=world.contact, title="CIO")
        world.contact.refresh_from_db()
        assert world.contact.title == "CIO"
        interaction = f.InteractionFactory(client=world.client)
        interaction.contacts.add(world.contact)
        services.contact_delete(actor=m(world, world.member), contact=world.contact)
        assert Interaction.objects.filter(pk=interaction.pk).exists()
        assert interaction.contacts.count() == 0


@pytest.mark.django_db
class TestInteractions:
    def test_create_links_contacts_project_and_tells_the_plan(self, world, monkeypatch):
        seen = []
        monkeypatch.setattr(services, "interaction_logged", lambda i: seen.append(i.pk))
        interaction = services.interaction_create(
            actor=m(world, world.member),
            client=world.client,
            contacts=[world.contact],
            project=world.project,
            kind="call",
            summary="与李娜电话沟通上线计划",
            follow_up_on=timezone.localdate(),
            follow_up_owner=world.member,
        )
        assert list(interaction.contacts.all()) == [world.contact]
        assert interaction.created_by == world.member
        assert interaction.follow_up_open
        assert seen == [interaction.pk]
        services.interaction_update(
            actor=m(world, world.member), interaction=interaction, sentiment="negative"
        )
        assert seen == [interaction.pk, interaction.pk]

    def test_contact_of_another_client_is_refused(self, world):
        other = f.ContactFactory(client=f.ClientFactory(organization=world.org))
        for contact in (other, world.foreign_contact):
            with pytest.raises(ValidationError) as exc:
                services.interaction_create(
                    actor=m(world, world.member), client=world.client, contacts=[contact], summary="x"
                )
            assert "contacts" in exc.value.message_dict
        assert not Interaction.objects.exists()

    def test_project_must_be_this_clients_and_visible(self, world):
        with pytest.raises(ValidationError) as exc:
            services.interaction_create(
                actor=m(world, world.member), client=world.client, project=world.foreign_project, summary="x"
            )
        assert "project" in exc.value.message_dict
        # The member is not on other_project: they may not link to it.
        with pytest.raises(ValidationError):
            services.interaction_create(
                actor=m(world, world.member), client=world.client, project=world.other_project, summary="x"
            )
        services.interaction_create(
            actor=m(world, world.manager), client=world.client, project=world.other_project, summary="x"
        )

    def test_follow_up_owner_from_the_team(self, world):
        with pytest.raises(ValidationError) as exc:
            services.interaction_create(
                actor=m(world, world.member),
                client=world.client,
                summary="x",
                follow_up_on=timezone.localdate(),
                follow_up_owner=world.outsider,
            )
        assert "follow_up_owner" in exc.value.message_dict

    def test_follow_up_done_and_reschedule(self, world):
        interaction = services.interaction_create(
            actor=m(world, world.member),
            client=world.client,
            summary="Send the offer",
            follow_up_on=timezone.localdate(),
            follow_up_owner=world.member,
        )
        services.interaction_follow_up_done(actor=m(world, world.member), interaction=interaction)
        assert interaction.follow_up_done_at is not None and not interaction.follow_up_open
        done_at = interaction.follow_up_done_at
        services.interaction_follow_up_done(actor=m(world, world.member), interaction=interaction)
        assert interaction.follow_up_done_at == done_at
        services.interaction_update(
            actor=m(world, world.member),
            interaction=interaction,
            follow_up_on=timezone.localdate() + dt.timedelta(days=3),
        )
        interaction.refresh_from_db()
        assert interaction.follow_up_open
        services.interaction_update(actor=m(world, world.member), interaction=interaction, follow_up_on=None)
        interaction.refresh_from_db()
        assert interaction.follow_up_owner is None and not interaction.follow_up_open

    def test_follow_up_done_without_follow_up(self, world):
        interaction = f.InteractionFactory(client=world.client)
        with pytest.raises(ValidationError):
            services.interaction_follow_up_done(actor=m(world, world.member), interaction=interaction)

    def test_bad_kind_and_long_summary(self, world):
        with pytest.raises(ValidationError) as exc:
            services.interaction_create(
                actor=m(world, world.member), client=world.client, summary="x" * 301, kind="fax"
            )
        assert {"summary", "kind"} <= set(exc.value.message_dict)

    def test_delete_audits(self, world):
        interaction = f.InteractionFactory(client=world.client)
        pk = interaction.pk
        services.interaction_delete(actor=m(world, world.member), interaction=interaction)
        assert not Interaction.objects.filter(pk=pk).exists()
        assert AuditEntry.objects.filter(object_id=str(pk), action=AuditAction.DELETE).exists()
