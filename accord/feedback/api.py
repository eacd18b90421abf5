"""Surveys over the API: templates, surveys and their questions, sending, reminders, results."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accord.core.conditional import versioned_by
from accord.core.pagination import ListPage, PageQuery, keyset_page
from accord.crm.models import Contact
from accord.lib.versioning import Versioned
from accord.tenancy.access import (
    in_visible_projects,
    org_get,
    project_for_user,
    project_object_for_user,
    require_team,
)

from . import selectors, services
from .models import Question, QuestionKind, Survey, SurveyTemplate

router = Router(tags=["surveys"])


class OptionIn(Schema):
    value: str | None = Field(None, max_length=40)
    label: str = Field("", max_length=200)
    label_zh: str = Field("", max_length=200)


class QuestionIn(Schema):
    kind: QuestionKind
    text: str = Field("", max_length=500)
    text_zh: str = Field("", max_length=500)
    required: bool = True
    scale_max: int = Field(5, ge=2, le=10)
    options: list[OptionIn] = Field(default_factory=list, max_length=50)


class QuestionPatch(Schema):
    kind: QuestionKind | None = None
    text: str | None = Field(None, max_length=500)
    text_zh: str | None = Field(None, max_length=500)
    required: bool | None = None
    scale_max: int | None = Field(None, ge=2, le=10)
    options: list[OptionIn] | None = Field(None, max_length=50)


class QuestionOut(Schema):
    id: int
    kind: str
    text: str
    text_zh: str
    required: bool
    scale_max: int
    options: list[dict]
    position: int


class TemplateIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    is_active: bool = True


class SurveyTemplateOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool


class TemplateDetail(SurveyTemplateOut):
    questions: list[QuestionOut]


class SurveyTemplatePage(ListPage):
    items: list[SurveyTemplateOut]
    next_cursor: str | None


class SurveyIn(Schema):
    project_id: int
    title: str = Field("", max_length=200)
    title_zh: str = Field("", max_length=200)
    intro: str = Field("", max_length=5000)
    intro_zh: str = Field("", max_length=5000)
    template_id: int | None = None
    valid_days: int = Field(21, ge=1, le=365)


class SurveyPatch(Schema):
    title: str | None = Field(None, max_length=200)
    title_zh: str | None = Field(None, max_length=200)
    intro: str | None = Field(None, max_length=5000)
    intro_zh: str | None = Field(None, max_length=5000)
    valid_days: int | None = Field(None, ge=1, le=365)


class SurveyOut(Schema):
    id: int
    project_id: int
    title: str
    title_zh: str
    status: str
    trigger: str
    milestone_id: int | None
    valid_days: int
    sent_at: dt.datetime | None
    recipients_count: int = 0
    responses_count: int = 0


class SurveyDetail(SurveyOut):
    intro: str
    intro_zh: str
    questions: list[QuestionOut]


class SurveyPage(ListPage):
    items: list[SurveyOut]
    next_cursor: str | None


class SendIn(Schema):
    contact_ids: list[int] = Field(..., min_length=1, max_length=500)


class SendOut(Schema):
    sent: int
    # Contacts left out because they unsubscribed from surveys (RFC 8058 link in an earlier survey).
    unsubscribed: list[int] = []


class NpsOut(Schema):
    score: int | None
    promoters: int
    passives: int
    detractors: int


class QuestionResultOut(Schema):
    question_id: int
    kind: str
    text: str
    count: int
    average: float | None
    distribution: list[list]
    texts: list[str]


class ResultsOut(Schema):
    recipients: int
    responses: int
    response_rate: float | None
    csat: float | None
    nps: NpsOut
    questions: list[QuestionResultOut]


class SurveyQuery(PageQuery):
    project_id: int | None = None


def _survey(request, survey_id, *, write=False, manage=False) -> Survey:
    return project_object_for_user(request.auth, Survey.objects.all(), survey_id, write=write, manage=manage)


def _template(request, template_id, *, write=False) -> SurveyTemplate:
    require_team(request.auth)
    template = org_get(request.auth, SurveyTemplate.objects.all(), template_id)
    if write:
        services.require_template_editor(request.auth, template)
    return template


def _annotated(survey: Survey) -> Survey:
    return selectors.survey_list(Survey.objects.filter(pk=survey.pk)).get()


def _detail(survey: Survey) -> dict:
    survey = _annotated(survey)
    data = SurveyOut.from_orm(survey).dict()
    data.update(intro=survey.intro, intro_zh=survey.intro_zh, questions=list(survey.questions.all()))
    return Versioned(survey, data)


def _results_out(results: selectors.Results) -> dict:
    return {
        "recipients": results.recipients,
        "responses": results.responses,
        "response_rate": results.response_rate,
        "csat": results.csat,
        "nps": {
            "score": results.nps.score,
            "promoters": results.nps.promoters,
            "passives": results.nps.passives,
            "detractors": results.nps.detractors,
        },
        "questions": [
            {
                "question_id": qr.question.pk,
                "kind": qr.question.kind,
                "text": qr.question.text,
                "count": qr.count,
                "average": qr.average,
                "distribution": [list(pair) for pair in qr.distribution],
                "texts": [text for _who, text in qr.texts],
            }
            for qr in results.questions
        ],
    }


def _options(options) -> list[dict]:
    return [o.dict() for o in options or []]


# --- templates ------------------------------------------------------------------------------------


@router.get("/survey-templates", response=SurveyTemplatePage)
def template_list(request, page: Query[PageQuery]):
    member = require_team(request.auth)
    return keyset_page(SurveyTemplate.objects.filter(organization_id=member.organization_id), page)


@router.post("/survey-templates", response={201: TemplateDetail})
def template_create(request, payload: TemplateIn):
    template = services.survey_template_create(actor=request.auth, **payload.dict())
    return Status(201, {**SurveyTemplateOut.from_orm(template).dict(), "questions": []})


@router.get("/survey-templates/{template_id}", response=TemplateDetail)
def template_get(request, template_id: int):
    template = _template(request, template_id)
    return Versioned(
        template, {**SurveyTemplateOut.from_orm(template).dict(), "questions": list(template.questions.all())}
    )


@router.patch("/survey-templates/{template_id}", response=TemplateDetail)
def template_update(request, template_id: int, payload: TemplateIn):
    template = _template(request, template_id)
    services.survey_template_update(actor=request.auth, template=template, **payload.dict())
    return Versioned(
        template, {**SurveyTemplateOut.from_orm(template).dict(), "questions": list(template.questions.all())}
    )


@router.delete("/survey-templates/{template_id}", response={204: None})
def template_delete(request, template_id: int):
    template = _template(request, template_id)
    services.survey_template_delete(actor=request.auth, template=template)
    return Status(204, None)


@router.post("/survey-templates/{template_id}/questions", response={201: QuestionOut})
def template_question_add(request, template_id: int, payload: QuestionIn):
    template = _template(request, template_id, write=True)
    data = payload.dict()
    data["options"] = _options(payload.options)
    question = services.question_add(actor=request.auth, template=template, **data)
    return Status(201, question)


# --- surveys --------------------------------------------------------------------------------------


@router.get("/surveys", response=SurveyPage)
def survey_list(request, page: Query[SurveyQuery]):
    member = require_team(request.auth)
    qs = in_visible_projects(Survey.objects.all(), member)
    if page.project_id is not None:
        qs = qs.filter(project_id=page.project_id)
    return keyset_page(
        qs.annotate(
            recipients_count=Count("recipients", distinct=True),
        ).annotate(
            responses_count=Count("responses", distinct=True),
        ),
        page,
    )


@router.post("/surveys", response={201: SurveyDetail})
def survey_create(request, payload: SurveyIn):
    project = project_for_user(request.auth, payload.project_id, write=True)
    template = None
    if payload.template_id is not None:
        template = SurveyTemplate.objects.filter(
            organization_id=request.auth.organization_id, pk=payload.template_id
        ).first()
        if template is None:
            raise ValidationError({"template_id": _("Choose one of your organisation's templates.")})
    data = payload.dict(exclude={"project_id", "template_id"})
    survey = services.survey_create(actor=request.auth, project=project, template=template, **data)
    return Status(201, _detail(survey))


@router.get("/surveys/{survey_id}", response=SurveyDetail)
def survey_get(request, survey_id: int):
    return _detail(_survey(request, survey_id))


@router.patch("/surveys/{survey_id}", response=SurveyDetail)
def survey_update(request, survey_id: int, payload: SurveyPatch):
    survey = _survey(request, survey_id)
    services.survey_update(actor=request.auth, survey=survey, **payload.dict(exclude_unset=True))
    return _detail(survey)


@router.delete("/surveys/{survey_id}", response={204: None})
def survey_delete(request, survey_id: int):
    survey = _survey(request, survey_id)
    services.survey_delete(actor=request.auth, survey=survey)
    return Status(204, None)


@router.post("/surveys/{survey_id}/questions", response={201: QuestionOut})
def question_add(request, survey_id: int, payload: QuestionIn):
    survey = _survey(request, survey_id, write=True)
    data = payload.dict()
    data["options"] = _options(payload.options)
    return Status(201, services.question_add(actor=request.auth, survey=survey, **data))


def _question(request, question_id: int) -> Question:
    question = org_get(request.auth, Question.objects.select_related("survey", "template"), question_id)
    if question.survey_id:
        _survey(request, question.survey_id, write=True)
    else:
        services.require_template_editor(request.auth, question.template)
    return question


@router.patch("/survey-questions/{question_id}", response=QuestionOut)
@versioned_by(_question)
def question_update(request, question_id: int, payload: QuestionPatch):
    question = _question(request, question_id)
    data = payload.dict(exclude_unset=True)
    if payload.options is not None:
        data["options"] = _options(payload.options)
    return services.question_update(actor=request.auth, question=question, **data)


@router.delete("/survey-questions/{question_id}", response={204: None})
@versioned_by(_question)
def question_delete(request, question_id: int):
    question = _question(request, question_id)
    services.question_delete(actor=request.auth, question=question)
    return Status(204, None)


@router.post("/surveys/{survey_id}/send", response=SendOut)
def survey_send(request, survey_id: int, payload: SendIn):
    survey = _survey(request, survey_id, write=True)
    contacts = list(
        Contact.objects.filter(
            organization_id=survey.organization_id,
            client_id=survey.project.client_id,
            pk__in=payload.contact_ids,
        )
    )
    if len(contacts) != len(set(payload.contact_ids)):
        raise ValidationError({"contact_ids": _("Choose contacts of this project's client.")})
    sent = services.survey_send(actor=request.auth, survey=survey, contacts=contacts)
    return {"sent": len(sent), "unsubscribed": [c.pk for c in services.unsubscribed(contacts)]}


@router.post("/surveys/{survey_id}/remind", response=SendOut)
def survey_remind(request, survey_id: int):
    survey = _survey(request, survey_id)
    return {"sent": len(services.survey_remind(actor=request.auth, survey=survey, force=True))}


@router.post("/surveys/{survey_id}/close", response=SurveyDetail)
def survey_close(request, survey_id: int):
    survey = _survey(request, survey_id)
    services.survey_close(actor=request.auth, survey=survey)
    return _detail(survey)


@router.get("/surveys/{survey_id}/results", response=ResultsOut)
def survey_results(request, survey_id: int):
    survey = _survey(request, survey_id)
    return _results_out(selectors.survey_results(survey, translation.get_language() or "en"))


@router.get("/projects/{project_id}/survey-results", response=ResultsOut)
def project_results(request, project_id: int):
    project = project_for_user(request.auth, project_id)
    return _results_out(selectors.project_results(project, translation.get_language() or "en"))
