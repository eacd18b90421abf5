"""Page titles of a project's pages, form labels and their suffix per language, and the Chinese
terms that must agree across catalogs (变更请求; 进行中 for projects, 待完成 for obligations)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from accord.comms.models import Obligation
from accord.comms.tests.factories import PlanItemFactory
from accord.projects.models import ProjectStatus

pytestmark = pytest.mark.django_db

SUB_PAGES = [
    "/projects/{pk}/",
    "/projects/{pk}/milestones/",
    "/projects/{pk}/tasks/",
    "/projects/{pk}/board/",
    "/projects/{pk}/plan/",
    "/projects/{pk}/reports/",
    "/projects/{pk}/needs/",
    "/projects/{pk}/meetings/",
    "/projects/{pk}/risks/",
    "/projects/{pk}/changes/",
    "/projects/{pk}/surveys/",
    "/projects/{pk}/support/",
    "/projects/{pk}/health/",
    "/projects/{pk}/retrospectives/",
    "/projects/{pk}/lessons/",
]


def _title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_project_sub_pages_have_their_own_titles(world, language):
    world.project.code = "ERP-01"
    world.project.save()
    http = world.http(world.manager)
    http.cookies["django_language"] = language
    titles = {}
    for pattern in SUB_PAGES:
        url = pattern.format(pk=world.project.pk)
        response = http.get(url)
        if response.status_code == 404:
            continue  # an area that is not part of this installation
        assert response.status_code == 200, url
        titles[url] = _title(response.content.decode())
    assert len(titles) >= 12
    assert len(set(titles.values())) == len(titles), titles
    for title in titles.values():
        assert title.endswith("· ERP-01 · Accord"), title
    board = titles[f"/projects/{world.project.pk}/board/"]
    assert board == ("Board · ERP-01 · Accord" if language == "en" else "看板 · ERP-01 · Accord")


def test_changes_tab_and_breadcrumb_agree_in_chinese(world):
    http = world.http(world.manager)
    http.cookies["django_language"] = "zh-hans"
    html = http.get(f"/projects/{world.project.pk}/changes/").content.decode()
    tabs = re.search(r'<nav class="tabs".*?</nav>', html, re.S)
    tabs = tabs.group(0) if tabs else html
    assert "变更请求" in tabs and "变更内容" not in tabs
    assert "变更请求 · " in _title(html)


def test_active_project_and_open_obligation_read_consistently_in_chinese(world):
    world.project.status = ProjectStatus.ACTIVE
    world.project.save()
    item = PlanItemFactory(project=world.project)
    Obligation.objects.filter(plan_item=item).delete()
    today = timezone.localdate()
    Obligation.objects.create(
        organization=world.org,
        plan_item=item,
        project=world.project,
        owner=world.manager,
        channel="email",
        window_start=today,
        due_date=today + dt.timedelta(days=3),
    )
    http = world.http(world.manager)
    http.cookies["django_language"] = "zh-hans"
    html = http.get(f"/projects/{world.project.pk}/plan/").content.decode()
    header = html[: html.index('class="tabs"')] if 'class="tabs"' in html else html
    assert "进行中" in header and "合作中" not in header  # the project's state
    rows = html[html.index('id="obligations"') :]
    assert '<span class="badge info">待完成</span>' in rows and "进行中" not in rows
    # A client we work with is still 合作中.
    clients = http.get("/clients/?status=active").content.decode()
    assert "合作中" in clients


@pytest.mark.parametrize(("language", "suffix"), [("en", ":"), ("zh-hans", "：")])
def test_form_labels_are_capitalised_and_end_with_the_languages_colon(world, language, suffix):
    http = world.http(world.manager)
    http.cookies["django_language"] = language
    html = http.get(f"/projects/{world.project.pk}/plan/items/new/").content.decode()
    labels = re.findall(r"<label for=\"id_[a-z_]+\"[^>]*>([^<]+)</label>", html)
    assert labels, html[:500]
    for label in labels:
        assert label.endswith(suffix), label
        if language == "en":
            assert label[0].isupper(), label
    if language == "zh-hans":
        assert not any(label.endswith(":") for label in labels)
