"""One-click unsubscribe from survey mails (RFC 2369, RFC 8058), read back by independent parts:
the mail from a real SMTP server parsed with ``email.policy.strict``, the link POSTed exactly
as a mail provider does — no session, no CSRF token, body ``List-Unsubscribe=One-Click``."""

import email.policy
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from accord.audit.models import AuditEntry
from accord.crm.models import MailOptOut
from accord.feedback import services
from accord.feedback.models import SurveyRecipient
from accord.testing import factories as f
from accord.testing.mailserver import deliver_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def https_site(settings):
    settings.BASE_URL = "https://accord.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    settings.ACCORD_LIST_ID_DOMAIN = "accord.example-domain"


def _survey(world, title="How are we doing?"):
    return services.survey_create(
        actor=world.as_member(world.manager), project=world.project, title=title, title_zh="满意度"
    )


def _one_mail_to(sink, address):
    [received] = sink.to(address)
    return received.parsed(email.policy.strict)


def _unsubscribe_path(mail) -> str:
    url = re.fullmatch(r"\s*<(https://[^>\s]+)>\s*", str(mail["List-Unsubscribe"])).group(1)
    parts = urlsplit(url)
    assert parts.netloc == "accord.example.com"
    return parts.path


def test_survey_mail_unsubscribes_with_one_click_and_the_next_survey_skips_the_contact(
    world, raw_smtp, https_site
):
    colleague = f.ContactFactory(
        client=world.client, first_name="Wei", last_name="Zhang", email="wei@client.example"
    )
    services.survey_send(
        actor=world.as_member(world.manager), survey=_survey(world), contacts=[world.contact, colleague]
    )
    deliver_all()
    mail = _one_mail_to(raw_smtp, "li.na@client.example")
    assert str(mail["Auto-Submitted"]) == "auto-generated"  # RFC 3834: no out-of-office answers
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(mail["List-Id"]) == f"<surveys.{world.org.slug}.accord.example-domain>"
    path = _unsubscribe_path(mail)

    # RFC 8058 section 3.2: a POST with that body, no cookies and no CSRF token.
    provider = HttpClient(enforce_csrf_checks=True)
    response = provider.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert MailOptOut.objects.filter(contact=world.contact, kind="surveys").exists()
    assert AuditEntry.objects.filter(verb="unsubscribed", object_id=str(world.contact.pk)).exists()
    # The same POST again (providers retry) changes nothing.
    assert (
        provider.post(
            path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )
    assert MailOptOut.objects.filter(contact=world.contact).count() == 1

    second = _survey(world, title="Second survey")
    tokens = services.survey_send(
        actor=world.as_member(world.manager), survey=second, contacts=[world.contact, colleague]
    )
    deliver_all()
    assert len(tokens) == 1
    assert list(second.recipients.values_list("contact_id", flat=True)) == [colleague.pk]
    assert len(raw_smtp.to("li.na@client.example")) == 1  # only the first survey's mail
    assert len(raw_smtp.to("wei@client.example")) == 2


def test_a_forged_or_altered_token_unsubscribes_nobody(world, raw_smtp, https_site):
    services.survey_send(
        actor=world.as_member(world.manager), survey=_survey(world), contacts=[world.contact]
    )
    deliver_all()
    path = _unsubscribe_path(_one_mail_to(raw_smtp, "li.na@client.example"))
    token = path.rstrip("/").rsplit("/", 1)[1]
    payload, _sep, signature = token.rpartition(":")
    # Another contact's number in the same signed payload shape, with the old signature.
    forged = [f"{payload}:{signature[::-1]}", "eyJvIjoxLCJjIjoxLCJrIjoic3VydmV5cyJ9:abc", token[:-2]]
    for bad in forged:
        response = HttpClient().post(
            f"/unsubscribe/{bad}/",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 404
    assert not MailOptOut.objects.exists()


@pytest.mark.parametrize(
    ("language", "button", "done"),
    [("en", "Unsubscribe", "You are unsubscribed"), ("zh-hans", "退订", "您已退订")],
)
def test_the_link_opened_in_a_browser_asks_first(world, https_site, language, button, done):
    world.contact.language = language
    world.contact.save()
    from accord.crm.services import unsubscribe_token

    path = reverse("crm:unsubscribe", args=[unsubscribe_token(world.contact, "surveys")])
    page = HttpClient(enforce_csrf_checks=True).get(path)
    assert page.status_code == 200 and button in page.content.decode()
    assert not MailOptOut.objects.exists()  # a link checker opening it changes nothing
    response = HttpClient(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and done in response.content.decode()
    assert MailOptOut.objects.filter(contact=world.contact).exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_send_page_says_who_was_skipped_and_the_team_can_resubscribe(world, language):
    from accord.crm.services import contact_unsubscribe

    contact_unsubscribe(contact=world.contact, kind="surveys")
    survey = _survey(world)
    http = world.http(world.manager)
    with translation.override(language):
        response = http.post(
            reverse("feedback:survey_send", args=[survey.pk]),
            {"contacts": [world.contact.pk]},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 302
        texts = [str(m) for m in get_messages(response.wsgi_request)]
        expected = "they unsubscribed from surveys" if language == "en" else "他们已退订调查"
        assert any(expected in text and "李娜" in text for text in texts), texts
    assert not SurveyRecipient.objects.filter(contact=world.contact).exists()

    page = http.get(reverse("crm:contact_detail", args=[world.contact.pk]))
    assert reverse("crm:contact_resubscribe", args=[world.contact.pk]) in page.content.decode()
    http.post(reverse("crm:contact_resubscribe", args=[world.contact.pk]), {"kind": "surveys"})
    assert not MailOptOut.objects.exists()
    services.survey_send(actor=world.as_member(world.manager), survey=survey, contacts=[world.contact])
    assert SurveyRecipient.objects.filter(contact=world.contact).exists()


def test_reminders_skip_who_unsubscribed_since(world):
    from accord.crm.services import contact_unsubscribe

    survey = _survey(world)
    services.survey_send(actor=world.as_member(world.manager), survey=survey, contacts=[world.contact])
    contact_unsubscribe(contact=world.contact, kind="surveys")
    assert services.survey_remind(actor=world.as_member(world.manager), survey=survey, force=True) == {}


def test_the_api_tells_who_was_skipped(world):
    from accord.crm.services import contact_unsubscribe

    contact_unsubscribe(contact=world.contact, kind="surveys")
    survey = _survey(world)
    response = world.api(world.manager).post(
        f"/surveys/{survey.pk}/send", {"contact_ids": [world.contact.pk]}
    )
    assert response.status_code == 200
    assert response.json() == {"sent": 0, "unsubscribed": [world.contact.pk]}
