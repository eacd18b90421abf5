"""The team's pages for support by e-mail: unmatched mail, support addresses, moving a request."""

import pytest
from django.urls import reverse

from accord.comms.inbound import mail_ingest
from accord.service import services
from accord.service.models import MailState, SupportMail, SupportMailbox, SupportRequest

from .factories import confirmed_mailbox
from .test_mail import _mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(world):
    return confirmed_mailbox(world.memberships[world.admin.pk], "support@acme.example")


def _unmatched(world, n=1):
    for i in range(n):
        mail_ingest(
            _mail(sender=f"new{i}@stranger.example", msgid=f"<s{i}@stranger.example>", subject=f"Help {i}")
        )
    return SupportMail.objects.filter(state=MailState.UNMATCHED).order_by("id")


def test_unmatched_mail_is_listed_and_opened_as_a_request(world, mailbox):
    mail = _unmatched(world).get()
    http = world.http(world.member)
    page = http.get(reverse("service:mail_queue")).content.decode()
    assert "Help 0" in page and "The sender is not a known contact" in page
    detail = http.get(reverse("service:mail_detail", args=[mail.pk]))
    assert detail.status_code == 200 and "new0@stranger.example" in detail.content.decode()
    # The member may only choose projects they are on.
    assert world.other_project.code not in detail.context["open_form"].fields["project"].queryset.values_list(
        "code", flat=True
    )
    response = http.post(
        reverse("service:mail_open", args=[mail.pk]), {"project": world.project.pk, "priority": "high"}
    )
    request = SupportRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "service:request_detail", args=[request.pk]
    )
    assert request.title == "Help 0" and request.priority == "high"
    assert "Help 0" not in http.get(reverse("service:mail_queue")).content.decode()
    # Handled once: a second try is refused with a message, not a 500.
    again = http.post(
        reverse("service:mail_open", args=[mail.pk]), {"project": world.project.pk, "priority": "high"}
    )
    assert again.status_code == 422 and "already handled" in again.content.decode()


def test_unmatched_mail_added_to_a_request_by_number(world, mailbox):
    request = services.support_request_create(
        actor=world.memberships[world.member.pk], project=world.project, title="Login", description="d"
    )
    mail = _unmatched(world).get()
    http = world.http(world.member)
    bad = http.post(reverse("service:mail_add", args=[mail.pk]), {"request": 999999})
    assert bad.status_code == 422 and "no support request with this number" in bad.content.decode()
    response = http.post(reverse("service:mail_add", args=[mail.pk]), {"request": request.pk})
    assert response.status_code == 302
    assert request.replies.get().from_client


def test_another_organisations_mail_is_404(world, mailbox):
    mail = _unmatched(world).get()
    http = world.http(world.outsider)
    assert http.get(reverse("service:mail_detail", args=[mail.pk])).status_code == 404
    assert http.post(reverse("service:mail_discard", args=[mail.pk])).status_code == 404
    mail.refresh_from_db()
    assert mail.state == MailState.UNMATCHED


def test_admins_manage_support_addresses(world):
    http = world.http(world.admin)
    response = http.post(reverse("service:mailboxes"), {"address": "help@acme.example", "priority": "normal"})
    assert response.status_code == 302
    box = SupportMailbox.objects.get()
    refused = http.post(
        reverse("service:mailboxes"), {"address": "help+x@acme.example", "priority": "normal"}
    )
    assert refused.status_code == 422 and "+tag" in refused.content.decode()
    assert world.http(world.manager).get(reverse("service:mailboxes")).status_code == 403
    assert http.post(reverse("service:mailbox_delete", args=[box.pk])).status_code == 302
    assert not SupportMailbox.objects.exists()


def test_the_team_moves_a_request(world, mailbox):
    mail_ingest(_mail())
    request = SupportRequest.objects.get()
    http = world.http(world.manager)
    page = http.get(reverse("service:request_detail", args=[request.pk])).content.decode()
    assert "Move to project" in page and "By e-mail" in page
    response = http.post(
        reverse("service:request_move", args=[request.pk]), {"project": world.other_project.pk}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.project == world.other_project
    foreign = http.post(
        reverse("service:request_move", args=[request.pk]), {"project": world.foreign_project.pk}
    )
    assert foreign.status_code == 422


@pytest.mark.parametrize("rows", [2, 50])
def test_unmatched_list_query_count(world, mailbox, rows, django_assert_num_queries):
    _unmatched(world, rows)
    http = world.http(world.member)
    http.get(reverse("service:mail_queue"))
    with django_assert_num_queries(6):
        assert http.get(reverse("service:mail_queue")).status_code == 200
