"""Access matrix rows for every survey page and API operation (see tests/access/spec.py).

Survey templates are shared by the organisation (so the member reaches them beside
``other_project`` too); surveys follow their project's rules. The public answer page needs no
sign-in: anyone holding the link gets the same answer, whichever organisation they belong to.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone

from accord.feedback import services
from accord.feedback.models import SurveyRecipient
from tests.access.spec import API_READ, TEAM_READ, TEAM_WRITE_FORM, Row

TABLES = ("feedback.Survey", "feedback.Question", "feedback.SurveyRecipient", "feedback.SurveyResponse")
TPL_TABLES = ("feedback.SurveyTemplate", "feedback.Question")

LIST = {**TEAM_READ, "outsider": 200}
MANAGER_PAGE = {**TEAM_READ, "member": 403}
MANAGER_POST = {**TEAM_WRITE_FORM, "member": 403}
API_LIST = {**API_READ, "outsider": 200}
API_WRITE = {**API_READ}
API_CREATE = {**API_READ, "member": 201, "manager": 201, "admin": 201}
API_DELETE_MANAGE = {**API_READ, "member": 403, "manager": 204, "admin": 204}
API_DELETE = {**API_READ, "member": 204, "manager": 204, "admin": 204}
API_TPL_WRITE = {**API_READ, "member": 403}
API_TPL_CREATE = {**API_READ, "member": 403, "manager": 201, "admin": 201, "outsider": 201}
API_TPL_DELETE = {**API_READ, "member": 403, "manager": 204, "admin": 204}
PUBLIC = dict.fromkeys(("anonymous", "client", "member", "manager", "admin", "outsider"), 200)
CLIENT_FOREIGN_WEB = {"client": 302}  # the team-side redirect comes before any lookup
CLIENT_FOREIGN_API = {"client": 403}  # a client token is refused team operations before any lookup


def _template(world, project):
    template = services.survey_template_create(actor=world.manager_of(project), name="Matrix")
    services.question_add(actor=world.manager_of(project), template=template, kind="csat", text="Happy?")
    return template


def _survey(world, project):
    return services.survey_create(actor=world.manager_of(project), project=project, title="Matrix survey")


def _question(world, project):
    return _survey(world, project).questions.first()


def _contact_of(project):
    return project.client.contacts.exclude(email="").order_by("pk").first()


def _sent(world, project):
    survey = _survey(world, project)
    services.survey_send(actor=world.manager_of(project), survey=survey, contacts=[_contact_of(project)])
    return survey


def _link(world, project):
    survey = _survey(world, project)
    tokens = services.survey_send(
        actor=world.manager_of(project), survey=survey, contacts=[_contact_of(project)]
    )
    return SimpleNamespace(token=next(iter(tokens.values())), survey=survey)


def _expired_link(world, project):
    link = _link(world, project)
    SurveyRecipient.objects.filter(survey=link.survey).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    return link


def _answers(link):
    data = {}
    for q in link.survey.questions.all():
        data[f"q_{q.pk}"] = {"csat": "4", "nps": "9", "text": "Fine"}.get(q.kind, "")
    return data


def _question_form(_obj):
    return {"kind": "nps", "text": "Recommend us?", "text_zh": "推荐我们吗？", "required": "on"}


def _survey_form(_obj):
    return {"title": "Matrix", "title_zh": "矩阵", "valid_days": "14"}


ROWS = [
    # --- organisation-wide pages
    Row("feedback:overview", expect=LIST),
    Row("feedback:template_list", expect=LIST),
    Row("feedback:template_create", expect={**LIST, "member": 403}),
    Row(
        "feedback:template_create",
        method="POST",
        data=lambda w: {"name": "Matrix template", "is_active": "on"},
        expect={**MANAGER_POST, "outsider": 302},
        tables=TPL_TABLES,
    ),
    Row(
        "feedback:template_detail",
        make=_template,
        path=lambda t: reverse("feedback:template_detail", args=[t.pk]),
        expect=TEAM_READ,
        expect_other_project={"member": 200},
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:template_edit",
        make=_template,
        path=lambda t: reverse("feedback:template_edit", args=[t.pk]),
        expect=MANAGER_PAGE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:template_edit",
        method="POST",
        make=_template,
        path=lambda t: reverse("feedback:template_edit", args=[t.pk]),
        data=lambda t: {"name": "Renamed", "is_active": "on"},
        expect=MANAGER_POST,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TPL_TABLES,
    ),
    Row(
        "feedback:template_delete",
        method="POST",
        make=_template,
        path=lambda t: reverse("feedback:template_delete", args=[t.pk]),
        expect=MANAGER_POST,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TPL_TABLES,
    ),
    Row(
        "feedback:template_question_add",
        make=_template,
        path=lambda t: reverse("feedback:template_question_add", args=[t.pk]),
        expect=MANAGER_PAGE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:template_question_add",
        method="POST",
        make=_template,
        path=lambda t: reverse("feedback:template_question_add", args=[t.pk]),
        data=_question_form,
        expect=MANAGER_POST,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TPL_TABLES,
    ),
    # --- a project's surveys
    Row(
        "feedback:project_surveys",
        make=lambda w, p: p,
        path=lambda p: reverse("feedback:project_surveys", args=[p.pk]),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:survey_create",
        make=lambda w, p: p,
        path=lambda p: reverse("feedback:survey_create", args=[p.pk]),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:survey_create",
        method="POST",
        make=lambda w, p: p,
        path=lambda p: reverse("feedback:survey_create", args=[p.pk]),
        data=_survey_form,
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:project_settings",
        method="POST",
        make=lambda w, p: p,
        path=lambda p: reverse("feedback:project_settings", args=[p.pk]),
        data=lambda p: {"on_milestone": "on"},
        expect=MANAGER_POST,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=("feedback.ProjectSurveySetting",),
    ),
    Row(
        "feedback:survey_detail",
        make=_survey,
        path=lambda s: reverse("feedback:survey_detail", args=[s.pk]),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:survey_edit",
        make=_survey,
        path=lambda s: reverse("feedback:survey_edit", args=[s.pk]),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:survey_edit",
        method="POST",
        make=_survey,
        path=lambda s: reverse("feedback:survey_edit", args=[s.pk]),
        data=_survey_form,
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:survey_delete",
        make=_survey,
        path=lambda s: reverse("feedback:survey_delete", args=[s.pk]),
        expect=MANAGER_PAGE,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:survey_delete",
        method="POST",
        make=_survey,
        path=lambda s: reverse("feedback:survey_delete", args=[s.pk]),
        expect=MANAGER_POST,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:question_add",
        make=_survey,
        path=lambda s: reverse("feedback:question_add", args=[s.pk]),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:question_add",
        method="POST",
        make=_survey,
        path=lambda s: reverse("feedback:question_add", args=[s.pk]),
        data=_question_form,
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:question_edit",
        make=_question,
        path=lambda q: reverse("feedback:question_edit", args=[q.pk]),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:question_edit",
        method="POST",
        make=_question,
        path=lambda q: reverse("feedback:question_edit", args=[q.pk]),
        data=_question_form,
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:question_delete",
        method="POST",
        make=_question,
        path=lambda q: reverse("feedback:question_delete", args=[q.pk]),
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:survey_send",
        make=_survey,
        path=lambda s: reverse("feedback:survey_send", args=[s.pk]),
        expect=TEAM_READ,
        expect_foreign=CLIENT_FOREIGN_WEB,
    ),
    Row(
        "feedback:survey_send",
        method="POST",
        make=_survey,
        path=lambda s: reverse("feedback:survey_send", args=[s.pk]),
        data=lambda s: {"contacts": [_contact_of(s.project).pk]},
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:survey_remind",
        method="POST",
        make=_sent,
        path=lambda s: reverse("feedback:survey_remind", args=[s.pk]),
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    Row(
        "feedback:survey_close",
        method="POST",
        make=_sent,
        path=lambda s: reverse("feedback:survey_close", args=[s.pk]),
        expect=TEAM_WRITE_FORM,
        expect_foreign=CLIENT_FOREIGN_WEB,
        tables=TABLES,
    ),
    # --- the public answer page: the link is the credential
    Row(
        "feedback:answer",
        make=_link,
        path=lambda link: reverse("feedback:answer", args=[link.token]),
        expect=PUBLIC,
        expect_other_project=PUBLIC,
        expect_foreign=PUBLIC,
    ),
    Row(
        "feedback:answer",
        method="POST",
        make=_link,
        path=lambda link: reverse("feedback:answer", args=[link.token]),
        data=_answers,
        expect=PUBLIC,
        expect_other_project=PUBLIC,
        expect_foreign=PUBLIC,
    ),
    Row(
        "feedback:answer",
        note="a guessed token",
        make=_link,
        path=lambda link: reverse("feedback:answer", args=["guessed" + link.token[7:][::-1]]),
        expect=dict.fromkeys(PUBLIC, 404),
        expect_other_project=dict.fromkeys(PUBLIC, 404),
        expect_foreign=dict.fromkeys(PUBLIC, 404),
    ),
    Row(
        "feedback:answer",
        method="POST",
        note="an expired link: refused, nothing saved",
        make=_expired_link,
        path=lambda link: reverse("feedback:answer", args=[link.token]),
        data=_answers,
        expect=dict.fromkeys(PUBLIC, 410),
        expect_other_project=dict.fromkeys(PUBLIC, 410),
        expect_foreign=dict.fromkeys(PUBLIC, 410),
        tables=("feedback.SurveyResponse", "feedback.Answer"),
    ),
    # --- API: templates
    Row("GET /api/v1/survey-templates", expect=API_LIST),
    Row(
        "POST /api/v1/survey-templates",
        data=lambda w: {"name": "Matrix template"},
        expect=API_TPL_CREATE,
        tables=TPL_TABLES,
    ),
    Row(
        "GET /api/v1/survey-templates/{template_id}",
        make=_template,
        path=lambda t: f"/api/v1/survey-templates/{t.pk}",
        expect=API_READ,
        expect_other_project={"member": 200},
        expect_foreign=CLIENT_FOREIGN_API,
    ),
    Row(
        "PATCH /api/v1/survey-templates/{template_id}",
        make=_template,
        path=lambda t: f"/api/v1/survey-templates/{t.pk}",
        data=lambda t: {"name": "Renamed"},
        expect=API_TPL_WRITE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TPL_TABLES,
    ),
    Row(
        "DELETE /api/v1/survey-templates/{template_id}",
        make=_template,
        path=lambda t: f"/api/v1/survey-templates/{t.pk}",
        expect=API_TPL_DELETE,
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TPL_TABLES,
    ),
    Row(
        "POST /api/v1/survey-templates/{template_id}/questions",
        make=_template,
        path=lambda t: f"/api/v1/survey-templates/{t.pk}/questions",
        data=lambda t: {"kind": "text", "text": "Anything else?"},
        expect={**API_TPL_WRITE, "manager": 201, "admin": 201},
        expect_other_project={"member": 403},
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TPL_TABLES,
    ),
    # --- API: surveys
    Row("GET /api/v1/surveys", expect=API_LIST),
    Row(
        "POST /api/v1/surveys",
        make=lambda w, p: p,
        path=lambda p: "/api/v1/surveys",
        data=lambda p: {"project_id": p.pk, "title": "Matrix"},
        expect=API_CREATE,
        expect_foreign=CLIENT_FOREIGN_API,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/surveys/{survey_id}",
        make=_survey,
        path=lambda s: f"/api/v1/surveys/{s.pk}",
        expect=API_READ,
    ),
    Row(
        "PATCH /api/v1/surveys/{survey_id}",
        make=_survey,
        path=lambda s: f"/api/v1/surveys/{s.pk}",
        data=lambda s: {"title": "Renamed"},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/surveys/{survey_id}",
        make=_survey,
        path=lambda s: f"/api/v1/surveys/{s.pk}",
        expect=API_DELETE_MANAGE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/surveys/{survey_id}/questions",
        make=_survey,
        path=lambda s: f"/api/v1/surveys/{s.pk}/questions",
        data=lambda s: {
            "kind": "single",
            "text": "Channel?",
            "options": [{"label": "Mail"}, {"label": "WeCom"}],
        },
        expect=API_CREATE,
        tables=TABLES,
    ),
    Row(
        "PATCH /api/v1/survey-questions/{question_id}",
        make=_question,
        path=lambda q: f"/api/v1/survey-questions/{q.pk}",
        data=lambda q: {"text": "Satisfied?"},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "DELETE /api/v1/survey-questions/{question_id}",
        make=_question,
        path=lambda q: f"/api/v1/survey-questions/{q.pk}",
        expect=API_DELETE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/surveys/{survey_id}/send",
        make=_survey,
        path=lambda s: f"/api/v1/surveys/{s.pk}/send",
        data=lambda s: {"contact_ids": [_contact_of(s.project).pk]},
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/surveys/{survey_id}/remind",
        make=_sent,
        path=lambda s: f"/api/v1/surveys/{s.pk}/remind",
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "POST /api/v1/surveys/{survey_id}/close",
        make=_sent,
        path=lambda s: f"/api/v1/surveys/{s.pk}/close",
        expect=API_WRITE,
        tables=TABLES,
    ),
    Row(
        "GET /api/v1/surveys/{survey_id}/results",
        make=_sent,
        path=lambda s: f"/api/v1/surveys/{s.pk}/results",
        expect=API_READ,
    ),
    Row(
        "GET /api/v1/projects/{project_id}/survey-results",
        make=lambda w, p: p,
        path=lambda p: f"/api/v1/projects/{p.pk}/survey-results",
        expect=API_READ,
        expect_foreign=CLIENT_FOREIGN_API,
    ),
]
