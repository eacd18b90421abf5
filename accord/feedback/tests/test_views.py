import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms.models import Notification, OutboxMessage
from accord.feedback import services
from accord.feedback.models import Answer, Survey, SurveyRecipient, SurveyResponse
from accord.testing import factories as f

from .helpers import answers_for, sent_survey

pytestmark = pytest.mark.django_db


def _form(survey, **values):
    data = {}
    for q in survey.questions.all():
        if q.kind in values:
            data[f"q_{q.pk}"] = values[q.kind]
    return data


def _answered_surveys(world, n):
    contacts = [f.ContactFactory(client=world.client) for _ in range(2)]
    for _ in range(n):
        survey, tokens = sent_survey(world, contacts=contacts)
        recipient, _p = services.recipient_for_token(tokens[contacts[0].pk])
        services.response_submit(recipient=recipient, answers=answers_for(survey, csat=4, nps=9, text="ok"))


def _count(http, url):
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_for",
    [
        lambda w: reverse("feedback:overview"),
        lambda w: reverse("feedback:project_surveys", args=[w.project.pk]),
        lambda w: "/api/v1/surveys",
    ],
)
def test_list_query_counts_do_not_grow(world, url_for, django_assert_num_queries):
    http = world.http(world.manager)
    if url_for(world).startswith("/api/"):
        api = world.api(world.manager)
        _answered_surveys(world, 2)
        api.get(url_for(world))  # the token's first use is recorded once
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(url_for(world)).status_code == 200
        _answered_surveys(world, 48)
        with django_assert_num_queries(len(ctx.captured_queries)):
            assert len(api.get(url_for(world), {"limit": 100}).json()["items"]) == 50
        return
    _answered_surveys(world, 2)
    baseline = _count(http, url_for(world))
    _answered_surveys(world, 48)
    with django_assert_num_queries(baseline):
        http.get(url_for(world))


def test_template_list_query_count(world, django_assert_num_queries):
    http = world.http(world.manager)
    for n in range(2):
        t = services.survey_template_create(actor=world.as_member(world.manager), name=f"T{n}")
        services.question_add(actor=world.as_member(world.manager), template=t, kind="csat", text="Happy?")
    baseline = _count(http, reverse("feedback:template_list"))
    for n in range(48):
        services.survey_template_create(actor=world.as_member(world.manager), name=f"U{n}")
    with django_assert_num_queries(baseline):
        http.get(reverse("feedback:template_list"))


def test_survey_detail_query_count_with_many_answers(world, django_assert_num_queries):
    contacts = [f.ContactFactory(client=world.client) for _ in range(50)]
    survey, tokens = sent_survey(world, contacts=contacts)
    http = world.http(world.manager)
    for contact in contacts[:2]:
        recipient, _p = services.recipient_for_token(tokens[contact.pk])
        services.response_submit(recipient=recipient, answers=answers_for(survey, csat=3, nps=8, text="fine"))
    baseline = _count(http, reverse("feedback:survey_detail", args=[survey.pk]))
    for contact in contacts[2:]:
        recipient, _p = services.recipient_for_token(tokens[contact.pk])
        services.response_submit(recipient=recipient, answers=answers_for(survey, csat=3, nps=8, text="fine"))
    with django_assert_num_queries(baseline):
        response = http.get(reverse("feedback:survey_detail", args=[survey.pk]))
    assert b"100.0%" in response.content


def test_create_survey_add_question_and_send_through_the_pages(world):
    http = world.http(world.member)
    response = http.post(
        reverse("feedback:survey_create", args=[world.project.pk]),
        {"title": "Kick-off", "title_zh": "启动", "valid_days": "10"},
    )
    survey = Survey.objects.get(title="Kick-off")
    assert response.status_code == 302
    response = http.post(
        reverse("feedback:question_add", args=[survey.pk]),
        {
            "kind": "single",
            "text": "Best channel?",
            "options_text": "E-mail | 邮件\nWeCom | 企业微信",
            "required": "on",
        },
    )
    assert response.status_code == 302 and survey.questions.count() == 4
    response = http.post(reverse("feedback:survey_send", args=[survey.pk]), {"contacts": [world.contact.pk]})
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(related_id=str(survey.pk), recipient=world.contact.email).exists()


def test_bad_question_form_says_what_to_fix(world):
    survey = services.survey_create(actor=world.as_member(world.manager), project=world.project, title="Q")
    response = world.http(world.member).post(
        reverse("feedback:question_add", args=[survey.pk]),
        {"kind": "multiple", "text": "Pick", "options_text": "A"},
    )
    assert response.status_code == 422
    assert "at least two options" in response.content.decode()
    assert survey.questions.count() == 3


def test_other_organisation_gets_404(world):
    survey = services.survey_create(
        actor=world.manager_of(world.foreign_project), project=world.foreign_project, title="Theirs"
    )
    http = world.http(world.manager)
    assert http.get(reverse("feedback:survey_detail", args=[survey.pk])).status_code == 404
    assert http.post(reverse("feedback:survey_close", args=[survey.pk])).status_code == 404
    assert world.api(world.manager).get(f"/api/v1/surveys/{survey.pk}").status_code == 404
    assert world.api(world.manager).get(f"/api/v1/surveys/{survey.pk}/results").status_code == 404


# --- the public page ------------------------------------------------------------------------------------


def test_public_page_in_recipients_language_and_answer_once(world):
    world.contact.language = "zh-hans"
    world.contact.save()
    survey, tokens = sent_survey(world)
    url = reverse("feedback:answer", args=[tokens[world.contact.pk]])
    anonymous = world.http(None)
    page = anonymous.get(url).content.decode()
    assert "我们做得怎么样" in page and "提交答案" in page and 'name="viewport"' in page
    response = anonymous.post(url, _form(survey, csat="5", nps="10", text="很好"))
    assert response.status_code == 200 and "感谢您的反馈" in response.content.decode()
    again = anonymous.post(url, _form(survey, csat="1", nps="0"))
    assert again.status_code == 409 and "您已回答过该调查问卷" in again.content.decode()
    assert SurveyResponse.objects.count() == 1 and Answer.objects.filter(number=1).count() == 0
    assert AuditEntry.objects.filter(verb="link refused", action="denied").count() == 1


def test_nps_eleven_refused_with_a_clear_message(world):
    survey, tokens = sent_survey(world)
    url = reverse("feedback:answer", args=[tokens[world.contact.pk]])
    response = world.http(None).post(url, _form(survey, csat="4", nps="11"))
    assert response.status_code == 422
    assert "11 is not allowed: choose a score from 0 to 10." in response.content.decode()
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()


def test_expired_and_guessed_links_get_clear_pages(world):
    survey, tokens = sent_survey(world)
    SurveyRecipient.objects.update(expires_at=timezone.now() - dt.timedelta(hours=1))
    anonymous = world.http(None)
    expired = anonymous.get(reverse("feedback:answer", args=[tokens[world.contact.pk]]))
    assert expired.status_code == 410 and "This link has expired" in expired.content.decode()
    guessed = anonymous.get(reverse("feedback:answer", args=["x" * 43]))
    assert guessed.status_code == 404 and "not valid" in guessed.content.decode()
    assert AuditEntry.objects.filter(verb="link refused", changes__reason=[None, "expired"]).exists()


def test_low_score_through_the_page_alerts_the_manager(world):
    survey, tokens = sent_survey(world)
    url = reverse("feedback:answer", args=[tokens[world.contact.pk]])
    world.http(None).post(url, _form(survey, csat="1", nps="3", text="Too slow"))
    assert Notification.objects.filter(user=world.manager).count() == 1


def test_api_create_send_and_results(world):
    api = world.api(world.manager)
    created = api.post("/api/v1/surveys", {"project_id": world.project.pk, "title": "API survey"})
    assert created.status_code == 201
    survey_id = created.json()["id"]
    bad = api.post(
        f"/api/v1/surveys/{survey_id}/questions", {"kind": "rating", "text": "Speed", "scale_max": 11}
    )
    assert bad.status_code == 422
    assert (
        api.post(f"/api/v1/surveys/{survey_id}/send", {"contact_ids": [world.foreign_contact.pk]}).status_code
        == 422
    )
    sent = api.post(f"/api/v1/surveys/{survey_id}/send", {"contact_ids": [world.contact.pk]})
    assert sent.json() == {"sent": 1, "unsubscribed": []}
    results = api.get(f"/api/v1/surveys/{survey_id}/results").json()
    assert results["recipients"] == 1 and results["responses"] == 0 and results["nps"]["score"] is None
