"""Lessons offered when a project starts: the relevance selector, the landing page after creating a
project (plain or from a template), taking a lesson up as a risk, and the form's side panel."""

import datetime as dt

import pytest
from django.urls import reverse

from accord.evaluation import selectors, services
from accord.evaluation.models import LessonUse
from accord.evaluation.tests.factories import LessonFactory
from accord.playbooks.models import ProjectTemplate
from accord.playbooks.services import builtin_templates_load
from accord.projects.models import Project
from accord.risks.models import Risk
from accord.testing import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def _lesson(org, **kwargs):
    kwargs.setdefault("organization", org)
    kwargs.setdefault("phase", "execution")
    kwargs.setdefault("category", "other")
    return LessonFactory(**kwargs)


@pytest.fixture
def manufacturing(world):
    world.client.industry = "manufacturing"
    world.client.save()
    return world.client


def test_relevance_same_client_and_industry_first_then_any_industry(world, manufacturing):
    org = world.org
    any_industry = _lesson(org, title="Any industry", industry="")
    same_industry = _lesson(org, title="Same industry", industry="manufacturing")
    other_client = f.ClientFactory(organization=org, industry="retail")
    _lesson(org, title="Other industry", industry="retail", project=f.ProjectFactory(client=other_client))
    same_client = _lesson(org, title="Same client", industry="retail", project=world.other_project)
    early = _lesson(org, title="Early phase", industry="", phase="planning")
    _lesson(world.other_org, title="Another organisation's", industry="manufacturing")

    lessons = selectors.lessons_for_start(org.pk, client=manufacturing)
    assert [lesson.title for lesson in lessons] == [
        same_client.title,  # same client (3)
        same_industry.title,  # same industry (3), newer
        early.title,  # planning phase (1)
        any_industry.title,
    ]
    assert [str(r) for r in lessons[0].reasons] == ["same client"]
    assert [str(r) for r in lessons[2].reasons] == ["for the start of a project"]


def test_lessons_taken_up_by_more_projects_come_first(world, manufacturing):
    rarely = _lesson(world.org, title="Rarely", industry="manufacturing")
    often = _lesson(world.org, title="Often", industry="manufacturing")
    LessonUse.objects.create(
        organization=world.org, lesson=rarely, project=world.other_project, kind="acknowledged"
    )
    for project in (world.project, world.other_project):
        LessonUse.objects.create(organization=world.org, lesson=often, project=project, kind="risk")
    lessons = selectors.lessons_for_start(world.org.pk, client=manufacturing)
    assert [lesson.title for lesson in lessons] == ["Often", "Rarely"]
    assert lessons[0].use_count == 2 and "taken up by 2 projects" in [str(r) for r in lessons[0].reasons]


def test_the_templates_risks_favour_matching_categories(world):
    builtin_templates_load()
    template = ProjectTemplate.objects.get(organization=None, key="software-implementation")
    categories = selectors.template_lesson_categories(template)
    assert "requirements" in categories
    matching = _lesson(world.org, title="Matching", industry="", category="requirements")
    _lesson(world.org, title="Unrelated", industry="", category="other")
    lessons = selectors.lessons_for_start(world.org.pk, template=template)
    assert lessons[0] == matching and "matches the template's risks" in [str(r) for r in lessons[0].reasons]
    # The template's industry counts like the client's.
    software = _lesson(world.org, title="Software", industry="software")
    assert selectors.lessons_for_start(world.org.pk, template=template)[0] == software


def test_never_another_organisations_lessons(world):
    _lesson(world.other_org, title="Theirs", industry="")
    _lesson(world.other_org, title="Theirs about our client", industry="", project=world.foreign_project)
    assert selectors.lessons_for_start(world.org.pk, client=world.client) == []
    assert selectors.project_start_url(world.project) == reverse("projects:detail", args=[world.project.pk])


def test_creating_a_project_lands_on_its_lessons(world, manufacturing, client):
    lesson = _lesson(world.org, title="Book key users early", industry="manufacturing", category="planning")
    http = world.http(world.manager)
    form = http.get(reverse("projects:create")).content.decode()
    assert 'id="similar-lessons"' in form and reverse("evaluation:lessons_similar") in form
    response = http.post(
        reverse("projects:create"),
        {
            "client": world.client.pk,
            "code": "NEW-1",
            "name": "Plant 2 rollout",
            "manager": world.manager.pk,
            "start_date": TODAY.isoformat(),
            "end_date": (TODAY + dt.timedelta(days=60)).isoformat(),
            "status": "active",
            "rag": "green",
        },
    )
    project = Project.objects.get(code="NEW-1")
    start = reverse("evaluation:project_lessons_start", args=[project.pk])
    assert response.status_code == 302 and response["Location"] == start
    page = http.get(start).content.decode()
    assert "Book key users early" in page and "Add to this project's risks" in page

    http.post(reverse("evaluation:lesson_take_up", args=[project.pk, lesson.pk]), {"kind": "risk"})
    risk = Risk.objects.get(project=project)
    assert (risk.title, risk.category, risk.mitigation) == (lesson.title, "schedule", lesson.recommendation)
    assert risk.owner == world.manager and "From the lesson learned" in risk.description
    use = LessonUse.objects.get()
    assert (use.project, use.kind, use.risk) == (project, "risk", risk)
    # Twice is refused with a message; no second risk.
    again = http.post(
        reverse("evaluation:lesson_take_up", args=[project.pk, lesson.pk]), {"kind": "risk"}, follow=True
    )
    assert "already in the project" in again.content.decode()
    assert Risk.objects.filter(project=project).count() == 1
    assert "Open the risk" in http.get(start).content.decode()


def test_acknowledge_then_add_as_a_risk(world, manufacturing):
    lesson = _lesson(world.org, industry="manufacturing")
    project = f.ProjectFactory(client=world.client, manager=world.manager)
    http = world.http(world.manager)
    url = reverse("evaluation:lesson_take_up", args=[project.pk, lesson.pk])
    assert http.post(url, {"kind": "acknowledged"}).status_code == 302
    assert LessonUse.objects.get().kind == "acknowledged" and not Risk.objects.exists()
    http.post(url, {"kind": "nonsense"})
    assert LessonUse.objects.get().kind == "acknowledged"
    http.post(url, {"kind": "risk"})
    use = LessonUse.objects.get()
    assert use.kind == "risk" and use.risk.project == project


def test_from_a_template_the_lessons_page_names_it(world):
    builtin_templates_load()
    template = ProjectTemplate.objects.get(organization=None, key="software-implementation")
    _lesson(world.org, title="Freeze the scope of the pilot", industry="software", category="requirements")
    http = world.http(world.manager)
    form = http.get(reverse("playbooks:use", args=[template.pk])).content.decode()
    assert f"?template={template.pk}" in form
    response = http.post(
        reverse("playbooks:use", args=[template.pk]),
        {
            "client": world.client.pk,
            "code": "SW-1",
            "name": "ERP 2",
            "start_date": "2026-04-01",
            "manager": world.manager.pk,
        },
    )
    project = Project.objects.get(code="SW-1")
    assert response["Location"] == reverse("evaluation:project_lessons_start", args=[project.pk])
    page = http.get(response["Location"]).content.decode()
    assert "Freeze the scope of the pilot" in page and template.display_name in page


def test_without_lessons_the_start_page_goes_on_to_the_project(world):
    response = world.http(world.manager).get(
        reverse("evaluation:project_lessons_start", args=[world.project.pk])
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "projects:detail", args=[world.project.pk]
    )


def test_lessons_of_another_organisation_cannot_be_taken_up(world):
    theirs = _lesson(world.other_org, industry="")
    response = world.http(world.manager).post(
        reverse("evaluation:lesson_take_up", args=[world.project.pk, theirs.pk]), {"kind": "risk"}
    )
    assert response.status_code == 404 and not Risk.objects.exists()
    with pytest.raises(services.ValidationError):
        services.lesson_take_up(
            actor=world.as_member(world.manager), project=world.project, lesson=theirs, kind="risk"
        )


def test_the_form_panel_lists_similar_lessons(world, manufacturing):
    _lesson(world.org, title="Ours", industry="manufacturing")
    _lesson(world.other_org, title="Theirs", industry="")
    http = world.http(world.manager)
    url = reverse("evaluation:lessons_similar")
    assert "Choose the client" in http.get(url).content.decode()
    page = http.get(url, {"client": world.client.pk}, headers={"HX-Request": "true"}).content.decode()
    assert "Ours" in page and "Theirs" not in page and "<html" not in page
    # Another organisation's client or template id is ignored.
    foreign = http.get(url, {"client": world.foreign_client.pk}).content.decode()
    assert "Ours" not in foreign and "Choose the client" in foreign
    theirs = ProjectTemplate.objects.create(organization=world.other_org, key="theirs", name={"en": "Theirs"})
    assert "Choose the client" in http.get(url, {"template": theirs.pk}).content.decode()


@pytest.mark.parametrize("n", [2, 50])
def test_start_page_query_count(world, manufacturing, n, django_assert_num_queries):
    for i in range(n):
        lesson = _lesson(world.org, title=f"Lesson {i}", industry="manufacturing")
        if i % 2:
            LessonUse.objects.create(
                organization=world.org, lesson=lesson, project=world.other_project, kind="risk"
            )
    http = world.http(world.manager)
    url = reverse("evaluation:project_lessons_start", args=[world.project.pk])
    http.get(url)
    with django_assert_num_queries(8):
        assert http.get(url).status_code == 200


def test_the_lessons_tab_leads_to_taking_them_up(world, manufacturing):
    http = world.http(world.member)
    tab = reverse("evaluation:project_lessons", args=[world.project.pk])
    start = reverse("evaluation:project_lessons_start", args=[world.project.pk])
    assert start not in http.get(tab).content.decode()
    _lesson(world.org, industry="manufacturing")
    assert start in http.get(tab).content.decode()
