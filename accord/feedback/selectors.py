"""Survey results: response rate, CSAT average, NPS, per-question breakdowns, trends.

Arithmetic (documented once, used everywhere):

* response rate = responses ÷ recipients asked;
* CSAT average = mean of all 1–5 CSAT answers (one decimal);
* NPS = % promoters (9–10) − % detractors (0–6), over all NPS answers, from −100 to 100;
  passives (7–8) count in the total only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from .models import Answer, Question, QuestionKind, Survey, SurveyRecipient


@dataclass
class NpsResult:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        if not self.total:
            return None
        return round(100 * (self.promoters - self.detractors) / self.total)

    def add(self, value: int) -> None:
        if value >= 9:
            self.promoters += 1
        elif value >= 7:
            self.passives += 1
        else:
            self.detractors += 1


def nps_of(values) -> NpsResult:
    result = NpsResult()
    for value in values:
        result.add(value)
    return result


def csat_average(values) -> float | None:
    values = list(values)
    if not values:
        return None
    return round(sum(values) / len(values), 1)


def nps_from_counts(promoters: int, passives: int, detractors: int) -> int | None:
    return NpsResult(promoters or 0, passives or 0, detractors or 0).score


@dataclass
class QuestionResult:
    question: Question
    count: int = 0
    average: float | None = None
    distribution: list[tuple[str, int]] = field(default_factory=list)
    nps: NpsResult | None = None
    texts: list[tuple[str, str]] = field(default_factory=list)  # (who, text)


@dataclass
class Results:
    recipients: int = 0
    responses: int = 0
    csat: float | None = None
    csat_count: int = 0
    nps: NpsResult = field(default_factory=NpsResult)
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        if not self.recipients:
            return None
        return round(100 * self.responses / self.recipients, 1)


def _results(
    answers: QuerySet[Answer], questions: list[Question], recipients: int, responses: int, language: str
):
    by_question: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_question[answer.question_id].append(answer)
    results = Results(recipients=recipients, responses=responses)
    csat_values: list[int] = []
    for question in questions:
        rows = by_question.get(question.pk, [])
        qr = QuestionResult(question=question, count=len(rows))
        numbers = [a.number for a in rows if a.number is not None]
        if question.scale is not None:
            low, high = question.scale
            qr.average = round(sum(numbers) / len(numbers), 1) if numbers else None
            qr.distribution = [(str(v), numbers.count(v)) for v in range(low, high + 1)]
            if question.kind == QuestionKind.CSAT:
                csat_values.extend(numbers)
            if question.kind == QuestionKind.NPS:
                qr.nps = nps_of(numbers)
                for value in numbers:
                    results.nps.add(value)
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counts: dict[str, int] = defaultdict(int)
            for answer in rows:
                for choice in answer.choices or []:
                    counts[str(choice)] += 1
            qr.distribution = [
                (label, counts.get(value, 0)) for value, label in question.option_labels(language)
            ]
        else:
            qr.texts = [(str(a.response.recipient.contact), a.text) for a in rows if a.text]
        results.questions.append(qr)
    results.csat = csat_average(csat_values)
    results.csat_count = len(csat_values)
    return results


def _answers(qs: QuerySet[Answer]) -> QuerySet[Answer]:
    return qs.select_related("response__recipient__contact").order_by("-response__submitted_at", "id")


def survey_results(survey: Survey, language: str = "en") -> Results:
    """Everything the results page shows, in four queries whatever the number of answers."""
    questions = list(survey.questions.all())
    counts = SurveyRecipient.objects.filter(organization_id=survey.organization_id, survey=survey).aggregate(
        asked=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False))
    )
    answers = _answers(Answer.objects.filter(organization_id=survey.organization_id, response__survey=survey))
    return _results(answers, questions, counts["asked"], counts["answered"], language)


def project_results(project, language: str = "en") -> Results:
    """All the project's surveys together (questions of the same kind are pooled)."""
    org = project.organization_id
    questions = list(
        Question.objects.filter(organization_id=org, survey__project=project).order_by(
            "survey_id", "position"
        )
    )
    counts = SurveyRecipient.objects.filter(organization_id=org, survey__project=project).aggregate(
        asked=Count("id"), answered=Count("id", filter=Q(answered_at__isnull=False))
    )
    answers = _answers(Answer.objects.filter(organization_id=org, response__survey__project=project))
    return _results(answers, questions, counts["asked"], counts["answered"], language)


def survey_list(queryset: QuerySet[Survey]) -> QuerySet[Survey]:
    """Surveys with project and their recipient/response counts in one query."""
    return queryset.select_related("project__client", "milestone").annotate(
        recipients_count=Count("recipients", distinct=True),
        responses_count=Count("recipients", filter=Q(recipients__answered_at__isnull=False), distinct=True),
    )


def score_aggregates(answers: QuerySet[Answer]) -> dict:
    """CSAT average and NPS counts of a set of answers (one aggregate query)."""
    return answers.aggregate(
        csat=Avg("number", filter=Q(question__kind=QuestionKind.CSAT)),
        csat_n=Count("id", filter=Q(question__kind=QuestionKind.CSAT)),
        promoters=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__gte=9)),
        passives=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__gte=7, number__lte=8)),
        detractors=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__lte=6)),
    )


def trends_by_project(projects: QuerySet) -> list[dict]:
    """Per project (of ``projects``): responses, CSAT average and NPS — one query."""
    rows = (
        Answer.objects.filter(
            response__survey__project__in=projects,
            question__kind__in=[QuestionKind.CSAT, QuestionKind.NPS],
        )
        .values(
            "response__survey__project",
            "response__survey__project__name",
            "response__survey__project__code",
            "response__survey__project__client__name",
        )
        .annotate(
            responses=Count("response", distinct=True),
            csat=Avg("number", filter=Q(question__kind=QuestionKind.CSAT)),
            promoters=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__gte=9)),
            passives=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__gte=7, number__lte=8)),
            detractors=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__lte=6)),
        )
        .order_by("response__survey__project__name", "response__survey__project")
    )
    return [
        {
            "project_id": r["response__survey__project"],
            "project": r["response__survey__project__name"],
            "code": r["response__survey__project__code"],
            "client": r["response__survey__project__client__name"],
            "responses": r["responses"],
            "csat": round(r["csat"], 1) if r["csat"] is not None else None,
            "nps": nps_from_counts(r["promoters"], r["passives"], r["detractors"]),
        }
        for r in rows
    ]


def trends_by_month(projects: QuerySet) -> list[dict]:
    """Organisation-wide, per month of answering: CSAT average and NPS — one query."""
    rows = (
        Answer.objects.filter(
            response__survey__project__in=projects,
            question__kind__in=[QuestionKind.CSAT, QuestionKind.NPS],
        )
        .annotate(month=TruncMonth("response__submitted_at"))
        .values("month")
        .annotate(
            responses=Count("response", distinct=True),
            csat=Avg("number", filter=Q(question__kind=QuestionKind.CSAT)),
            promoters=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__gte=9)),
            passives=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__gte=7, number__lte=8)),
            detractors=Count("id", filter=Q(question__kind=QuestionKind.NPS, number__lte=6)),
        )
        .order_by("month")
    )
    return [
        {
            "month": r["month"],
            "responses": r["responses"],
            "csat": round(r["csat"], 1) if r["csat"] is not None else None,
            "nps": nps_from_counts(r["promoters"], r["passives"], r["detractors"]),
        }
        for r in rows
    ]
