import pytest
from django.core.management import call_command

from accord.crm.models import Client, Contact, Interaction
from accord.tenancy.models import Membership, Organization, User


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Organization, User, Membership, Client, Contact, Interaction)
    }


@pytest.mark.django_db
def test_demo_loads_once_and_again_creates_nothing(capsys):
    call_command("demo")
    first = counts()
    call_command("demo")
    assert counts() == first
    assert first["Organization"] == 2 and first["Client"] >= 4 and first["Interaction"] >= 30
    demo = User.objects.get(email="demo@accord.example")
    assert demo.check_password("accord-demo-2026")
    assert Membership.objects.filter(user=demo).count() == 2
    shanghai = Organization.objects.get(slug="yunqiao")
    huaxin = Client.objects.get(organization=shanghai, name="苏州华信精密制造有限公司")
    assert huaxin.currency == "CNY" and huaxin.contacts.filter(name_local="周建国", wecom__gt="").exists()
    nordlicht = Client.objects.get(name="Nordlicht Retail GmbH")
    assert nordlicht.organization.slug == "kranich" and nordlicht.contacts.filter(slack__gt="").exists()
    # Some follow-ups are open and owned by the demo user.
    assert Interaction.objects.filter(follow_up_owner=demo, follow_up_done_at__isnull=True).exists()
    assert set(Interaction.objects.values_list("sentiment", flat=True)) == {"positive", "neutral", "negative"}
    assert "demo@accord.example" in capsys.readouterr().out


@pytest.mark.django_db
def test_client_demo_is_idempotent_on_its_own():
    from accord.core.demo import DemoContext
    from accord.crm import demo as crm_demo
    from accord.tenancy import demo as tenancy_demo

    def load():
        ctx = DemoContext()
        tenancy_demo.load(ctx)
        crm_demo.load(ctx)
        return ctx

    ctx = load()
    first = counts()
    again = load()
    assert counts() == first
    assert set(ctx.clients) == {"huaxin", "lvyuan", "nordlicht", "havel"}
    assert again.contacts["huaxin.zhou"] == ctx.contacts["huaxin.zhou"]
    assert {"demo", "shanghai_owner", "berlin_member"} <= set(ctx.users)
    assert ctx.orgs["shanghai"].default_currency == "CNY"
