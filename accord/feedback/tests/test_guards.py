"""Survey templates and their questions: the service's own guard (``require_template_editor``)
answers before a page shows or checks a form, so a member gets a 403, never a form or a 422."""

import pytest
from django.urls import reverse

from accord.feedback import services
from accord.feedback.models import QuestionKind, SurveyTemplate


@pytest.fixture
def template(world):
    manager = world.as_member(world.manager)
    template = services.survey_template_create(actor=manager, name="After go-live")
    services.question_add(actor=manager, template=template, kind=QuestionKind.TEXT, text="What went well?")
    return template


@pytest.mark.django_db
def test_a_member_gets_no_template_form(world, template):
    question = template.questions.get()
    pages = [
        reverse("feedback:template_create"),
        reverse("feedback:template_edit", args=[template.pk]),
        reverse("feedback:question_edit", args=[question.pk]),
    ]
    for url in pages:
        assert world.http(world.member).get(url).status_code == 403, url
        assert world.http(world.manager).get(url).status_code == 200, url
    # An empty name would be a 422 for the manager; the member is refused before it is checked.
    edit = reverse("feedback:template_edit", args=[template.pk])
    assert world.http(world.member).post(edit, {"name": ""}).status_code == 403
    assert world.http(world.manager).post(edit, {"name": ""}).status_code == 422
    template.refresh_from_db()
    assert template.name == "After go-live"


@pytest.mark.django_db
def test_the_api_refuses_a_member_a_template_question(world, template):
    question = template.questions.get()
    api = world.api(world.member)
    path = f"/survey-templates/{template.pk}/questions"
    assert api.post(path, {"kind": "text", "text": ""}).status_code == 403
    assert api.patch(f"/survey-questions/{question.pk}", {"text": ""}).status_code == 403
    assert api.delete(f"/survey-questions/{question.pk}").status_code == 403
    assert SurveyTemplate.objects.get(pk=template.pk).questions.count() == 1
