import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accord.comms.models import Event
from accord.evaluation import closeout, pdf, services
from accord.evaluation.models import EvaluationStatus
from accord.feedback import services as feedback
from accord.feedback.tests.helpers import answers_for, sent_survey
from accord.needs.models import Need
from accord.projects.models import MilestoneStatus, TaskKind, TaskStatus
from accord.testing import factories as f

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 5)
END = dt.date(2026, 3, 31)
ACTUAL_END = dt.date(2026, 4, 10)


@pytest.fixture
def known(world):
    """A closed project: 4 tasks with estimates, one rework task, two milestones (one late)."""
    project = world.project
    project.start_date, project.end_date, project.actual_end_date = START, END, ACTUAL_END
    project.budget_amount = Decimal("100000.00")
    project.status = "closed"
    project.save()
    # EV = estimates of done tasks = 40 + 30 + 10 = 80;
    # PV = estimates due by the actual end = 40 + 30 + 20 + 10 = 100;
    # AC = spent = 50 + 30 + 25 + 15 = 120 → SPI 0.80, CPI 0.67.
    f.TaskFactory(project=project, estimate_hours=40, spent_hours=50, status=TaskStatus.DONE, due_date=END)
    f.TaskFactory(project=project, estimate_hours=30, spent_hours=30, status=TaskStatus.DONE, due_date=END)
    f.TaskFactory(project=project, estimate_hours=20, spent_hours=25, status=TaskStatus.DOING, due_date=END)
    f.TaskFactory(
        project=project,
        estimate_hours=10,
        spent_hours=15,
        status=TaskStatus.DONE,
        due_date=END,
        kind=TaskKind.REWORK,
    )
    f.TaskFactory(project=project, estimate_hours=50, status=TaskStatus.TODO, due_date=dt.date(2026, 6, 1))
    f.MilestoneFactory(
        project=project,
        name="Design",
        due_date=dt.date(2026, 2, 1),
        baseline_due_date=dt.date(2026, 2, 1),
        completed_on=dt.date(2026, 1, 30),
        status=MilestoneStatus.DONE,
    )
    f.MilestoneFactory(
        project=project,
        name="Go-live",
        due_date=dt.date(2026, 4, 8),
        baseline_due_date=dt.date(2026, 3, 25),
        completed_on=dt.date(2026, 4, 9),
        status=MilestoneStatus.DONE,
    )
    return project


def test_known_data_set(world, known):
    figures = closeout.compute(known, actual_cost=Decimal("112000.00"), today=dt.date(2026, 5, 1))
    time, cost, quality = figures["time"], figures["cost"], figures["quality"]
    assert time["planned_end"] == "2026-03-31"  # no baseline recorded: the project's planned end
    assert time["slip_days"] == 10
    assert time["milestones_on_time"] == 1 and time["milestones_done"] == 2
    assert time["milestone_worst_slip"] == 15  # 2026-03-25 → 2026-04-09
    assert (
        cost["earned_hours"] == "80.00"
        and cost["planned_hours"] == "100.00"
        and cost["spent_hours"] == "120.00"
    )
    assert cost["spi"] == "0.80"
    assert cost["cpi"] == "0.67"
    assert cost["variance"] == "12000.00" and cost["variance_pct"] == "12.00"
    assert quality["rework_tasks"] == 1 and quality["rework_share"] == "12.50"  # 15 of 120 hours


def test_no_estimates_means_no_indices(world):
    f.TaskFactory(project=world.project, spent_hours=5)
    cost = closeout.compute(world.project)["cost"]
    assert cost["effort_tracked"] is False and cost["spi"] is None and cost["cpi"] is None


def test_needs_counted(world):
    for status in ("delivered", "accepted", "accepted", "dropped", "agreed"):
        Need.objects.create(organization=world.org, project=world.project, title=status, status=status)
    figures = closeout.compute(world.project)
    quality = figures["quality"]
    assert quality["needs_available"] is True
    assert (quality["needs_total"], quality["needs_delivered"], quality["needs_accepted"]) == (4, 3, 2)
    assert quality["acceptance_rate"] == "66.67"
    assert figures["cost"]["approved_changes"] is None  # no approved change request yet


def test_finalise_freezes_figures_and_emits_event(world, known):
    survey, tokens = sent_survey(world)
    recipient, _p = feedback.recipient_for_token(tokens[world.contact.pk])
    feedback.response_submit(
        recipient=recipient, answers=answers_for(survey, csat=5, nps=9, text="Great team")
    )
    evaluation = services.evaluation_start(actor=world.as_member(world.manager), project=known)
    services.evaluation_update(
        actor=world.as_member(world.manager),
        evaluation=evaluation,
        commentary="**Good** job",
        actual_cost="112000",
    )
    services.evaluation_finalise(actor=world.as_member(world.manager), evaluation=evaluation)
    assert evaluation.status == EvaluationStatus.FINAL
    assert evaluation.figures["satisfaction"]["csat"] == 5.0
    f.TaskFactory(project=known, estimate_hours=100, status=TaskStatus.DONE)
    assert services.evaluation_figures(evaluation)["cost"]["earned_hours"] == "80.00"
    with pytest.raises(ValidationError):
        services.evaluation_update(
            actor=world.as_member(world.manager), evaluation=evaluation, commentary="changed"
        )
    assert Event.objects.filter(name="evaluation.finalised").exists()


@pytest.mark.parametrize("bad", ["abc", "-5", "1e20", "NaN"])
def test_bad_actual_cost_refused(world, bad):
    evaluation = services.evaluation_start(actor=world.as_member(world.manager), project=world.project)
    with pytest.raises(ValidationError):
        services.evaluation_update(
            actor=world.as_member(world.manager), evaluation=evaluation, actual_cost=bad
        )
    evaluation.refresh_from_db()
    assert evaluation.actual_cost is None


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Close-out evaluation"), ("zh-hans", "项目收尾评估")]
)
def test_pdf_text(world, known, tmp_path, language, expected):
    known.name = "ERP 上线"
    known.save()
    evaluation = services.evaluation_start(actor=world.as_member(world.manager), project=known)
    services.evaluation_update(
        actor=world.as_member(world.manager),
        evaluation=evaluation,
        commentary="客户非常满意。",
        actual_cost="112000",
    )
    content = pdf.evaluation_pdf(evaluation, services.evaluation_figures(evaluation), language)
    assert content.startswith(b"%PDF")
    path = tmp_path / "e.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout
    text = text.decode()
    assert "ERP 上线" in text and "客户非常满意" in text
    assert "0.80" in text and "0.67" in text
    assert expected in text
