import pytest

from accord.core.demo import DemoContext
from accord.evaluation import demo as evaluation_demo
from accord.evaluation.models import HealthSnapshot, Lesson, Retrospective
from accord.feedback import demo as feedback_demo
from accord.feedback.models import Survey, SurveyResponse

pytestmark = pytest.mark.django_db


def test_demo_skips_without_projects_and_is_idempotent(world):
    empty = DemoContext(orgs={"acme": world.org})
    feedback_demo.load(empty)
    evaluation_demo.load(empty)
    assert not Survey.objects.exists() and not Retrospective.objects.exists()
    assert Lesson.objects.filter(organization=world.org).count() == 2  # English organisation

    ctx = DemoContext(orgs={"acme": world.org}, projects={"erp": world.project})
    for _ in range(2):
        feedback_demo.load(ctx)
        evaluation_demo.load(ctx)
    assert Survey.objects.count() == 1
    assert SurveyResponse.objects.count() == 1  # one contact with an e-mail: it answers
    assert Retrospective.objects.count() == 1 and Retrospective.objects.get().actions.count() == 2
    assert Lesson.objects.filter(organization=world.org).count() == 2
    assert HealthSnapshot.objects.filter(client=world.client, project__isnull=True).count() == 1


def test_chinese_organisation_gets_chinese_lessons(world):
    world.org.default_language = "zh-hans"
    world.org.save()
    evaluation_demo.load(DemoContext(orgs={"acme": world.org}))
    assert Lesson.objects.filter(title="需求变更必须书面确认").exists()
