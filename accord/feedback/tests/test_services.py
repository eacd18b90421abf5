import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.audit.models import AuditEntry
from accord.comms.models import Event, Notification, OutboxMessage
from accord.feedback import selectors, services
from accord.feedback.models import Answer, QuestionKind, Survey, SurveyRecipient, SurveyResponse, SurveyStatus
from accord.projects.models import MilestoneStatus
from accord.testing import factories as f

from .helpers import answers_for, sent_survey

pytestmark = pytest.mark.django_db


def test_create_copies_default_questions_bilingual(world):
    survey = services.survey_create(actor=world.as_member(world.manager), project=world.project, title="Q3")
    kinds = [q.kind for q in survey.questions.all()]
    assert kinds == [QuestionKind.CSAT, QuestionKind.NPS, QuestionKind.TEXT]
    assert all(q.text_zh for q in survey.questions.all())
    assert AuditEntry.objects.filter(object_id=str(survey.pk), action="create").exists()


def test_create_from_template_copies_its_questions(world):
    template = services.survey_template_create(actor=world.as_member(world.manager), name="Kick-off")
    services.question_add(
        actor=world.as_member(world.manager),
        template=template,
        kind="single",
        text="Best channel?",
        text_zh="最佳渠道？",
        options=[{"label": "E-mail", "label_zh": "邮件"}, {"label": "WeCom", "label_zh": "企业微信"}],
    )
    survey = services.survey_create(
        actor=world.as_member(world.manager), project=world.project, title="K", template=template
    )
    question = survey.questions.get()
    assert question.kind == "single"
    assert question.option_labels("zh-hans") == [("1", "邮件"), ("2", "企业微信")]


def test_choice_question_needs_two_options(world):
    survey = services.survey_create(actor=world.as_member(world.manager), project=world.project, title="Q")
    with pytest.raises(ValidationError) as exc:
        services.question_add(
            actor=world.as_member(world.manager), survey=survey, kind="single", text="Pick", options=["only"]
        )
    assert "options" in exc.value.message_dict
    assert survey.questions.count() == 3


def test_send_stores_only_hashed_tokens_and_queues_mail_in_contact_language(world):
    world.contact.language = "zh-hans"
    world.contact.save()
    survey, tokens = sent_survey(world)
    recipient = survey.recipients.get()
    raw = tokens[world.contact.pk]
    assert recipient.token_hash != raw and len(recipient.token_hash) == 64
    assert raw not in str(SurveyRecipient.objects.values_list().get())
    mail = OutboxMessage.objects.get(related_id=str(survey.pk))
    assert raw not in mail.body_text and raw in mail.unmask(mail.body_text)
    assert "我们做得怎么样" in mail.subject
    assert survey.status == SurveyStatus.SENT


def test_send_refuses_contacts_of_another_client(world):
    survey = services.survey_create(actor=world.as_member(world.manager), project=world.project, title="Q")
    stranger = f.ContactFactory(client=f.ClientFactory(organization=world.org))
    with pytest.raises(ValidationError):
        services.survey_send(actor=world.as_member(world.manager), survey=survey, contacts=[stranger])
    assert not survey.recipients.exists()


def test_answer_once_then_refused(world):
    survey, tokens = sent_survey(world)
    recipient, problem = services.recipient_for_token(tokens[world.contact.pk])
    assert problem is None
    services.response_submit(recipient=recipient, answers=answers_for(survey, csat=4, nps=9))
    again, problem = services.recipient_for_token(tokens[world.contact.pk])
    assert problem == services.LinkProblem.ANSWERED
    with pytest.raises(ValidationError):
        services.response_submit(recipient=recipient, answers=answers_for(survey, csat=5, nps=10))
    assert SurveyResponse.objects.count() == 1


def test_expired_and_guessed_tokens_are_refused(world):
    survey, tokens = sent_survey(world)
    SurveyRecipient.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    _recipient, problem = services.recipient_for_token(tokens[world.contact.pk])
    assert problem == services.LinkProblem.EXPIRED
    assert services.recipient_for_token("guessed-" + "x" * 30) == (None, services.LinkProblem.UNKNOWN)
    assert services.recipient_for_token("") == (None, services.LinkProblem.UNKNOWN)


def test_closed_survey_refuses_answers(world):
    survey, tokens = sent_survey(world)
    services.survey_close(actor=world.as_member(world.manager), survey=survey)
    _recipient, problem = services.recipient_for_token(tokens[world.contact.pk])
    assert problem == services.LinkProblem.CLOSED


def test_nps_of_eleven_refused_nothing_saved(world):
    survey, tokens = sent_survey(world)
    recipient, _problem = services.recipient_for_token(tokens[world.contact.pk])
    with pytest.raises(ValidationError) as exc:
        services.response_submit(recipient=recipient, answers=answers_for(survey, csat=4, nps=11))
    nps_q = survey.questions.get(kind="nps")
    assert "11 is not allowed" in exc.value.message_dict[f"q_{nps_q.pk}"][0]
    assert not SurveyResponse.objects.exists() and not Answer.objects.exists()
    recipient.refresh_from_db()
    assert recipient.answered_at is None


@pytest.mark.parametrize("bad", ["abc", "-1", "4.5"])
def test_non_numeric_scores_refused(world, bad):
    survey, tokens = sent_survey(world)
    recipient, _problem = services.recipient_for_token(tokens[world.contact.pk])
    with pytest.raises(ValidationError):
        services.response_submit(recipient=recipient, answers=answers_for(survey, csat=bad, nps=8))
    assert not Answer.objects.exists()


def test_required_answer_missing_refused(world):
    survey, tokens = sent_survey(world)
    recipient, _problem = services.recipient_for_token(tokens[world.contact.pk])
    with pytest.raises(ValidationError) as exc:
        services.response_submit(recipient=recipient, answers=answers_for(survey, nps=8))
    assert "Please answer this question." in str(exc.value)


def test_choice_must_be_an_offered_option(world):
    survey = services.survey_create(actor=world.as_member(world.manager), project=world.project, title="Q")
    question = services.question_add(
        actor=world.as_member(world.manager),
        survey=survey,
        kind="multiple",
        text="What?",
        options=["A", "B", "C"],
    )
    tokens = services.survey_send(
        actor=world.as_member(world.manager), survey=survey, contacts=[world.contact]
    )
    recipient, _p = services.recipient_for_token(next(iter(tokens.values())))
    base = answers_for(survey, csat=4, nps=9)
    with pytest.raises(ValidationError):
        services.response_submit(recipient=recipient, answers={**base, question.pk: ["1", "9"]})
    services.response_submit(recipient=recipient, answers={**base, question.pk: ["1", "3"]})
    assert Answer.objects.get(question=question).choices == ["1", "3"]


def test_low_score_alerts_manager_and_emits_event(world):
    survey, tokens = sent_survey(world)
    recipient, _problem = services.recipient_for_token(tokens[world.contact.pk])
    services.response_submit(recipient=recipient, answers=answers_for(survey, csat=2, nps=9, text="Slow"))
    note = Notification.objects.get(user=world.manager)
    assert world.project.name in note.title
    event = Event.objects.get(name="survey.answered")
    assert event.payload["low_score"] is True and event.payload["csat"] == [2]


@pytest.mark.parametrize(
    ("csat", "nps", "alerted"), [(3, 7, False), (3, 6, True), (1, 10, True), (5, 9, False)]
)
def test_low_score_thresholds(world, csat, nps, alerted):
    survey, tokens = sent_survey(world)
    recipient, _problem = services.recipient_for_token(tokens[world.contact.pk])
    services.response_submit(recipient=recipient, answers=answers_for(survey, csat=csat, nps=nps))
    assert Notification.objects.filter(user=world.manager).exists() is alerted


def test_results_arithmetic(world):
    contacts = [world.contact] + [f.ContactFactory(client=world.client) for _ in range(4)]
    survey, tokens = sent_survey(world, contacts=contacts)
    # NPS answers 10, 9, 8, 3 → 2 promoters, 1 passive, 1 detractor of 4 → (2-1)/4 = 25.
    # CSAT answers 5, 4, 4, 2 → 3.75 → 3.8 (one decimal). Fifth contact does not answer.
    for contact, csat, nps in zip(contacts, [5, 4, 4, 2], [10, 9, 8, 3], strict=False):
        recipient, _problem = services.recipient_for_token(tokens[contact.pk])
        services.response_submit(
            recipient=recipient, answers=answers_for(survey, csat=csat, nps=nps, text="ok")
        )
    results = selectors.survey_results(survey)
    assert results.recipients == 5 and results.responses == 4
    assert results.response_rate == 80.0
    assert results.csat == 3.8
    assert (results.nps.promoters, results.nps.passives, results.nps.detractors) == (2, 1, 1)
    assert results.nps.score == 25
    text_q = next(qr for qr in results.questions if qr.question.kind == "text")
    assert len(text_q.texts) == 4
    trend = selectors.trends_by_project(world.project.__class__.objects.filter(pk=world.project.pk))
    assert trend[0]["nps"] == 25 and trend[0]["csat"] == 3.8 and trend[0]["responses"] == 4
    months = selectors.trends_by_month(world.project.__class__.objects.filter(pk=world.project.pk))
    assert months[0]["nps"] == 25


def test_nps_edges():
    assert selectors.nps_of([]).score is None
    assert selectors.nps_of([10, 10]).score == 100
    assert selectors.nps_of([0, 6]).score == -100
    assert selectors.nps_of([7, 8]).score == 0


def test_reminder_rotates_link_and_both_links_work(world):
    survey, tokens = sent_survey(world)
    first = tokens[world.contact.pk]
    assert services.survey_remind(actor=world.as_member(world.manager), survey=survey) == {}  # too early
    SurveyRecipient.objects.update(sent_at=timezone.now() - dt.timedelta(days=6))
    reminded = services.survey_remind(actor=world.as_member(world.manager), survey=survey)
    assert len(reminded) == 1
    second = next(iter(reminded.values()))
    assert services.recipient_for_token(first)[1] is None
    assert services.recipient_for_token(second)[1] is None
    assert OutboxMessage.objects.filter(related_id=str(survey.pk)).count() == 2
    # The periodic job respects the interval: nothing more right away.
    assert services.survey_reminders_run() == 0
    recipient, _p = services.recipient_for_token(second)
    services.response_submit(recipient=recipient, answers=answers_for(survey, csat=5, nps=10))
    assert services.recipient_for_token(first)[1] == services.LinkProblem.ANSWERED


def test_milestone_survey_job_sends_once_for_new_completed_milestones(world):
    old = f.MilestoneFactory(
        project=world.project,
        status=MilestoneStatus.DONE,
        completed_on=timezone.localdate() - dt.timedelta(days=10),
    )
    services.project_survey_setting_save(
        actor=world.as_member(world.manager), project=world.project, on_milestone=True, on_closeout=False
    )
    assert services.milestone_surveys_run() == 0  # completed before the setting
    done = f.MilestoneFactory(
        project=world.project, status=MilestoneStatus.DONE, completed_on=timezone.localdate()
    )
    assert services.milestone_surveys_run() == 1
    assert services.milestone_surveys_run() == 0
    survey = Survey.objects.get(milestone=done)
    assert survey.trigger == "milestone" and survey.recipients.count() == 1
    assert not Survey.objects.filter(milestone=old).exists()


def test_send_for_milestone_without_contacts_does_nothing(world):
    milestone = f.MilestoneFactory(project=world.other_project, status=MilestoneStatus.DONE)
    assert services.survey_send_for_milestone(milestone) is None


def test_closeout_survey_once(world):
    assert services.survey_send_for_closeout(world.project) is not None
    assert services.survey_send_for_closeout(world.project) is None


def test_sent_survey_questions_are_frozen(world):
    survey, _tokens = sent_survey(world)
    with pytest.raises(ValidationError):
        services.question_add(actor=world.as_member(world.manager), survey=survey, kind="text", text="More?")


def test_closeout_survey_sent_when_the_project_closes(world):
    services.project_survey_setting_save(
        actor=world.as_member(world.manager), project=world.project, on_milestone=False, on_closeout=True
    )
    assert services.milestone_surveys_run() == 0
    world.project.status = "closed"
    world.project.save()
    assert services.milestone_surveys_run() == 1
    assert services.milestone_surveys_run() == 0
    assert Survey.objects.get(project=world.project).trigger == "closeout"


def test_services_refuse_a_member_the_project_or_role_does_not_allow(world):
    """The services check the actor's role themselves, whoever calls them."""
    from django.core.exceptions import PermissionDenied

    from accord.feedback.models import ProjectSurveySetting, Question, SurveyTemplate

    member = world.as_member(world.member)  # on world.project's team, not on world.other_project
    mine = services.survey_create(actor=member, project=world.project, title="Mine")
    theirs = services.survey_create(
        actor=world.as_member(world.manager), project=world.other_project, title="T"
    )
    template = services.survey_template_create(actor=world.as_member(world.manager), name="Kick-off")
    questions = Question.objects.count()
    refused = [
        lambda: services.survey_create(actor=member, project=world.other_project, title="No"),
        lambda: services.survey_create(
            actor=world.as_member(world.client_user), project=world.project, title="No"
        ),
        lambda: services.survey_update(actor=member, survey=theirs, title="No"),
        lambda: services.survey_send(actor=member, survey=theirs, contacts=[world.contact]),
        lambda: services.survey_remind(actor=member, survey=theirs, force=True),
        lambda: services.survey_close(actor=member, survey=theirs),
        lambda: services.question_add(actor=member, survey=theirs, kind="text", text="No"),
        # Deleting a survey and the automatic-survey setting are for the project's manager.
        lambda: services.survey_delete(actor=member, survey=mine),
        lambda: services.project_survey_setting_save(
            actor=member, project=world.project, on_milestone=True, on_closeout=True
        ),
        # Templates are for admins and project managers of their organisation.
        lambda: services.survey_template_create(actor=member, name="No"),
        lambda: services.survey_template_update(actor=member, template=template, name="No"),
        lambda: services.survey_template_delete(actor=member, template=template),
        lambda: services.question_add(actor=member, template=template, kind="text", text="No"),
        lambda: services.survey_template_update(
            actor=world.as_member(world.outsider), template=template, name="X"
        ),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    theirs.refresh_from_db()
    template.refresh_from_db()
    assert theirs.title == "T" and theirs.status == "draft" and not theirs.recipients.exists()
    assert Survey.objects.filter(pk=mine.pk).exists() and not ProjectSurveySetting.objects.exists()
    assert template.name == "Kick-off" and SurveyTemplate.objects.count() == 1
    assert Question.objects.count() == questions
