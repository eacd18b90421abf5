import pytest
from django.core.exceptions import ValidationError

from accord.evaluation import selectors, services
from accord.evaluation.models import Lesson, RetroAction
from accord.playbooks.models import ProjectTemplate

from .factories import LessonFactory, RetrospectiveFactory

pytestmark = pytest.mark.django_db


def test_search_in_chinese_and_english(world):
    services.lesson_create(
        actor=world.as_member(world.manager),
        title="需求变更要书面确认",
        description="客户口头提出的变更导致返工。",
        recommendation="所有变更都走变更请求流程。",
        category="requirements",
        phase="execution",
        tags="变更, 返工",
    )
    services.lesson_create(
        actor=world.as_member(world.manager),
        title="Book key users early",
        description="UAT slipped two weeks.",
        recommendation="Reserve key users in the plan.",
        category="planning",
        phase="planning",
        tags="UAT",
    )
    LessonFactory(organization=world.other_org, title="需求 in another organisation")
    org = world.org.pk
    assert [lesson.title for lesson in selectors.lesson_search(org, q="需求")] == ["需求变更要书面确认"]
    assert [lesson.title for lesson in selectors.lesson_search(org, q="返工")] == ["需求变更要书面确认"]
    assert [lesson.title for lesson in selectors.lesson_search(org, q="uat")] == ["Book key users early"]
    assert [lesson.title for lesson in selectors.lesson_search(org, q="变更 书面")] == ["需求变更要书面确认"]
    assert selectors.lesson_search(org, q="变更 UAT").count() == 0
    assert selectors.lesson_search(org, category="planning").count() == 1


def test_tags_normalised_with_chinese_commas(world):
    lesson = services.lesson_create(actor=world.as_member(world.manager), title="T", tags="变更，返工 , ,UAT")
    assert lesson.tags == "变更, 返工, UAT" and lesson.tag_list == ["变更", "返工", "UAT"]


@pytest.mark.parametrize(
    ("field", "value"), [("title", "  "), ("category", "nope"), ("phase", "x"), ("industry", "y")]
)
def test_bad_lesson_refused(world, field, value):
    data = {"title": "Fine", field: value}
    with pytest.raises(ValidationError) as exc:
        services.lesson_create(actor=world.as_member(world.manager), **data)
    assert field in exc.value.message_dict
    assert not Lesson.objects.exists()


def test_relevant_lessons_for_the_projects_industry(world):
    world.project.industry = "manufacturing"
    world.project.save()
    same = LessonFactory(organization=world.org, industry="manufacturing", title="Plant visits")
    anyone = LessonFactory(organization=world.org, industry="", title="Weekly reports")
    LessonFactory(organization=world.org, industry="finance", title="Audit trail")
    LessonFactory(organization=world.org, industry="manufacturing", project=world.project, title="Own")
    LessonFactory(organization=world.other_org, industry="manufacturing", title="Foreign")
    assert selectors.relevant_lessons(world.project) == [same, anyone]


def test_relevant_lessons_fall_back_to_client_industry(world):
    world.client.industry = "finance"
    world.client.save()
    world.project.industry = ""
    world.project.save()
    audit = LessonFactory(organization=world.org, industry="finance")
    assert selectors.relevant_lessons(world.project) == [audit]


def test_retrospective_actions(world):
    retro = services.retrospective_create(
        actor=world.as_member(world.manager),
        project=world.project,
        title="Phase 1",
        went_well="Fast answers",
        to_improve="Late test data",
    )
    action = services.retro_action_add(
        actor=world.as_member(world.manager),
        retro=retro,
        title="Ask for test data in week 1",
        owner=world.member,
    )
    services.retro_action_set_done(actor=world.as_member(world.member), action=action)
    assert action.done_at is not None
    with pytest.raises(ValidationError):
        services.retro_action_add(
            actor=world.as_member(world.manager), retro=retro, title="x", owner=world.outsider
        )
    with pytest.raises(ValidationError):
        services.retro_action_add(
            actor=world.as_member(world.manager), retro=retro, title="x", owner=world.client_user
        )
    assert RetroAction.objects.count() == 1


def test_apply_action_to_template(world):
    template = ProjectTemplate.objects.create(organization=world.org, key="erp", name={"en": "ERP"})
    retro = RetrospectiveFactory(project=world.project)
    action = services.retro_action_add(
        actor=world.as_member(world.manager), retro=retro, title="测试数据第一周到位"
    )
    services.retro_action_apply_to_template(
        actor=world.as_member(world.manager),
        action=action,
        template=template,
        kind="risk",
        category="client_side",
    )
    template.refresh_from_db()
    assert template.risks[-1]["title"] == {"zh-hans": "测试数据第一周到位"}
    services.retro_action_apply_to_template(
        actor=world.as_member(world.manager),
        action=action,
        template=template,
        kind="milestone",
        offset_days=7,
    )
    template.refresh_from_db()
    assert template.milestones[-1] == {"offset_days": 7, "name": {"zh-hans": "测试数据第一周到位"}}
    with pytest.raises(ValidationError):
        services.retro_action_apply_to_template(
            actor=world.as_member(world.manager), action=action, template=template, kind="milestone"
        )
    foreign = ProjectTemplate.objects.create(organization=world.other_org, key="x", name={"en": "X"})
    with pytest.raises(ValidationError):
        services.retro_action_apply_to_template(
            actor=world.as_member(world.manager), action=action, template=foreign, kind="risk"
        )


def test_services_refuse_a_member_the_project_or_role_does_not_allow(world):
    """The services check the actor's role themselves, whoever calls them."""
    from django.core.exceptions import PermissionDenied

    from accord.evaluation.models import CloseoutEvaluation, LessonUse, Retrospective

    member = world.as_member(world.member)  # on world.project's team, not on world.other_project
    manager = world.as_member(world.manager)
    theirs = services.retrospective_create(actor=manager, project=world.other_project, title="Theirs")
    action = services.retro_action_add(actor=manager, retro=theirs, title="Test data in week 1")
    lesson = services.lesson_create(actor=manager, title="Book key users early")
    refused = [
        lambda: services.retrospective_create(actor=member, project=world.other_project, title="No"),
        lambda: services.retrospective_update(actor=member, retro=theirs, title="No"),
        lambda: services.retrospective_delete(actor=member, retro=theirs),
        lambda: services.retro_action_add(actor=member, retro=theirs, title="No"),
        lambda: services.retro_action_set_done(actor=member, action=action),
        lambda: services.retro_action_delete(actor=member, action=action),
        # The close-out evaluation is the project manager's, not the team member's.
        lambda: services.evaluation_start(actor=member, project=world.project),
        lambda: services.health_snapshots_for_org(actor=member),
        # Someone else's lesson is changed by admins and project managers only.
        lambda: services.lesson_update(actor=member, lesson=lesson, title="No"),
        lambda: services.lesson_delete(actor=member, lesson=lesson),
        lambda: services.lesson_create(actor=world.as_member(world.client_user), title="No"),
        lambda: services.lesson_take_up(
            actor=member, project=world.other_project, lesson=lesson, kind="risk"
        ),
    ]
    for call in refused:
        with pytest.raises(PermissionDenied):
            call()
    theirs.refresh_from_db()
    lesson.refresh_from_db()
    assert theirs.title == "Theirs" and Retrospective.objects.count() == 1
    assert RetroAction.objects.get(pk=action.pk).done_at is None
    assert lesson.title == "Book key users early" and Lesson.objects.count() == 1
    assert not CloseoutEvaluation.objects.exists() and not LessonUse.objects.exists()
