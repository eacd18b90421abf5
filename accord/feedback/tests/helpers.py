"""Shared helpers for the survey tests: a sent survey with known tokens."""

from accord.feedback import services


def sent_survey(world, project=None, contacts=None, **kwargs):
    """A sent survey with the standard questions; returns (survey, raw tokens by contact id)."""
    project = project or world.project
    survey = services.survey_create(
        actor=world.manager_of(project),
        project=project,
        title="How are we doing?",
        title_zh="我们做得怎么样？",
        **kwargs,
    )
    contacts = contacts or [world.contact]
    tokens = services.survey_send(actor=world.manager_of(project), survey=survey, contacts=contacts)
    by_contact = {r.contact_id: tokens[r.pk] for r in survey.recipients.all()}
    return survey, by_contact


def answers_for(survey, csat=None, nps=None, text=""):
    data = {}
    for q in survey.questions.all():
        if q.kind == "csat" and csat is not None:
            data[q.pk] = csat
        elif q.kind == "nps" and nps is not None:
            data[q.pk] = nps
        elif q.kind == "text":
            data[q.pk] = text
    return data
