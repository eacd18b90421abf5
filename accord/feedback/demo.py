"""Demo surveys: one answered survey per demo project (first two projects of each organisation).

Idempotent: a survey is keyed by project and title. Needs the projects' demo data; without
projects nothing is created.
"""

from __future__ import annotations

from accord.tenancy.access import membership_for

from . import services
from .models import Survey

TITLE = "Milestone feedback"
TITLE_ZH = "里程碑反馈"
# (CSAT, NPS, comment) for the first recipients; the others do not answer.
ANSWERS = [
    (5, 9, "The weekly reports are clear and on time. 周报清楚、准时。"),
    (3, 7, "Testing took longer than planned; please plan UAT earlier."),
    (2, 5, "We were not told about the delay until late."),
]


def load(ctx) -> None:
    if not ctx.projects:
        return
    seen_orgs: dict[int, int] = {}
    for project in ctx.projects.values():
        count = seen_orgs.get(project.organization_id, 0)
        if count >= 2:
            continue
        seen_orgs[project.organization_id] = count + 1
        if Survey.objects.filter(
            organization_id=project.organization_id, project=project, title=TITLE
        ).exists():
            continue
        contacts = [c for c in project.client.contacts.all() if c.email and c.is_active][:4]
        if not contacts:
            continue
        actor = membership_for(project.manager, project.organization_id)
        survey = services.survey_create(
            actor=actor,
            project=project,
            title=TITLE,
            title_zh=TITLE_ZH,
            intro="Two minutes on how the project is going.",
            intro_zh="请花两分钟告诉我们项目进展如何。",
        )
        tokens = services.survey_send(actor=actor, survey=survey, contacts=contacts)
        recipients = list(survey.recipients.order_by("id"))
        for recipient, (csat, nps, text) in zip(recipients[:-1] or recipients, ANSWERS, strict=False):
            answers = {}
            for question in survey.questions.all():
                answers[question.pk] = {"csat": csat, "nps": nps, "text": text}.get(question.kind, "")
            recipient.survey = survey
            services.response_submit(recipient=recipient, answers=answers)
        ctx.extra.setdefault("survey_links", {})[project.pk] = [
            services.public_url(t) for t in tokens.values()
        ]
