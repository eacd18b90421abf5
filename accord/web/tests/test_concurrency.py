"""Optimistic concurrency of the edit forms: every edit view found in the URL patterns carries the
version its form was loaded with, and a save made from a stale page is refused with a 409 that
changes nothing and keeps what was typed.

The edit views are found like the access matrix finds routes: every URL whose view is called
``edit``/``*_edit`` or is wrapped by ``versioned_edit``. A new edit form without the version fails
``test_every_edit_view_is_versioned``. The form data comes from the access rows (the POST row of
each route), so the walk needs no second description of the forms.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accord.comms.models import InboundMessage
from accord.comms.tests.access_rows import inbound_message
from accord.lib.versioning import version_of
from accord.needs.models import Need
from accord.needs.tests.factories import NeedFactory
from accord.playbooks.tests.access_rows import own_template
from accord.projects import services as project_services
from accord.projects.models import Task
from accord.reports.tests.factories import StatusReportFactory
from accord.risks.models import Risk
from accord.risks.tests.factories import RiskFactory
from accord.tenancy.models import User
from accord.testing import factories as f
from tests.access.test_matrix import ROWS

# Edit views that keep their own check or are not an edit form of one versioned row.
NOT_FORMS = {
    "projects:task_move": "a board move, tested in test_board_move_*",
    "risks:status": "a quick form on the risk's page, tested in test_quick_status_race",
    "needs:status": "a quick form on the need's page, tested in test_quick_status_race",
}

VERSION_INPUT = re.compile(r'<input type="hidden" name="_version" value="(\d+)">')
LANGUAGES = [("en", "changed while you were editing"), ("zh-hans", "在您编辑期间")]


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern.callback


def edit_routes() -> dict[str, object]:
    """Route name → view, for every edit view (by its name, or marked by ``versioned_edit``)."""
    found = {}
    for name, view in _walk(get_resolver().url_patterns):
        if name.startswith("api:"):
            continue
        func_name = getattr(view, "__name__", "")
        if func_name == "edit" or func_name.endswith("_edit") or getattr(view, "versioned_edit", False):
            found[name] = view
    return found


EDIT_ROUTES = edit_routes()
FORM_ROUTES = sorted(set(EDIT_ROUTES) - set(NOT_FORMS))


def _post_row(route: str):
    rows = [r for r in ROWS if r.route == route and r.method == "POST" and r.data is not None]
    return rows[0] if rows else None


def _get_row(route: str):
    return next(r for r in ROWS if r.route == route and r.method == "GET")


class _VersionedForm(HTMLParser):
    """The fields of the page's form that carries ``_version``, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            tick = a.get("type") in ("checkbox", "radio")
            if tick and "checked" not in a:
                return
            self._form.setdefault(a["name"], []).append(a.get("value") or ("on" if tick else ""))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "chosen": [], "multiple": "multiple" in a}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form[self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._form[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            text = self._form[self._textarea][0]
            self._form[self._textarea][0] = text[1:] if text.startswith("\n") else text  # as browsers do
            self._textarea = None
        elif tag == "select" and self._select is not None:
            sel = self._select
            chosen = sel["chosen"] or ([] if sel["multiple"] or sel["first"] is None else [sel["first"]])
            self._form[sel["name"]] = chosen
            self._select = None
        elif tag == "form":
            self._form = None


def _form_as_loaded(html: str) -> dict:
    parser = _VersionedForm()
    parser.feed(html)
    form = next(f for f in parser.forms if "_version" in f)
    data = {
        k: (v if len(v) != 1 else v[0])
        for k, v in form.items()
        if k not in ("_version", "csrfmiddlewaretoken")
    }
    for name, value in data.items():  # an edit a person makes: the first text area
        if isinstance(value, str) and name in re.findall(r'<textarea[^>]*name="([^"]+)"', html):
            data[name] = value + " (edited on a stale page)"
            break
    return data


def _snapshot(tables) -> dict:
    return {label: list(apps.get_model(label).objects.order_by("pk").values()) for label in tables}


def test_the_walk_finds_the_edit_forms():
    # The forms the finding names, and the status-report section edit, are in the walk.
    for route in (
        "projects:edit",
        "projects:task_edit",
        "projects:milestone_edit",
        "crm:client_edit",
        "crm:contact_edit",
        "risks:edit",
        "changes:edit",
        "needs:edit",
        "meetings:edit",
        "reports:edit",
    ):
        assert route in FORM_ROUTES


@pytest.mark.parametrize("route", FORM_ROUTES)
def test_every_edit_view_is_versioned(route):
    assert getattr(EDIT_ROUTES[route], "versioned_edit", False), (
        f"{route}: decorate the view with accord.core.concurrency.versioned_edit and call check_version"
    )


@pytest.mark.parametrize("language,heading", LANGUAGES)
@pytest.mark.parametrize("route", FORM_ROUTES)
def test_stale_submit_is_refused(route, language, heading, world):
    row = _post_row(route) or _get_row(route)
    obj = row.make(world, world.project) if row.make else world
    path = row.path(obj) if row.path else reverse(route)
    http = world.http(world.admin)
    headers = {"Accept-Language": language}

    page = http.get(path, headers=headers)
    assert page.status_code == 200, f"{route}: GET {path} gave {page.status_code}"
    loaded = VERSION_INPUT.findall(page.content.decode())
    assert loaded, f"{route}: the form does not carry its version (hidden _version)"
    current = loaded[0]
    stale = str(int(current) - 1)  # the page was loaded before the last save

    data = row.data(obj) if row.method == "POST" else _form_as_loaded(unescape(page.content.decode()))
    tables = row.tables or ()
    before = _snapshot(tables)
    refused = http.post(path, {**data, "_version": stale}, headers=headers)
    assert refused.status_code == 409, f"{route}: a stale save gave {refused.status_code}"
    assert _snapshot(tables) == before, f"{route}: a refused save changed {', '.join(tables)}"
    body = unescape(refused.content.decode())
    assert 'data-testid="edit-conflict"' in body
    assert heading in body
    # The form comes back as typed, with the version that is current now, which is unchanged.
    assert VERSION_INPUT.findall(refused.content.decode())[0] == current
    assert VERSION_INPUT.findall(http.get(path).content.decode())[0] == current
    typed = [v for v in data.values() if isinstance(v, str) and len(v) > 3 and not v[:4].isdigit()]
    for value in typed[:2]:
        assert value in body, f"{route}: what was typed ({value!r}) is not kept in the form"

    # The same form with the current version saves: the refusal was about the version only.
    saved = http.post(path, {**data, "_version": current}, headers=headers)
    assert saved.status_code in (200, 302), f"{route}: a fresh save gave {saved.status_code}"
    assert saved.status_code == 302 or not tables or _snapshot(tables) != before


@pytest.mark.parametrize("language,theirs_label", [("en", "Done"), ("zh-hans", "已完成")])
def test_two_forms_race_the_second_sees_the_first(world, language, theirs_label):
    """Two people open the same task; the first saves; the second's save is refused and shows both."""
    task = f.TaskFactory(project=world.project, title="Draft the cut-over plan", status="todo")
    alice, bob = world.http(world.manager), world.http(world.member)
    headers = {"Accept-Language": language}
    url = reverse("projects:task_edit", args=[task.pk])
    version = VERSION_INPUT.findall(alice.get(url, headers=headers).content.decode())[0]
    assert VERSION_INPUT.findall(bob.get(url, headers=headers).content.decode())[0] == version
    form = {"title": task.title, "status": "todo", "kind": task.kind, "_version": version}

    first = alice.post(url, {**form, "status": "done"}, headers=headers)
    assert first.status_code == 302
    second = bob.post(url, {**form, "title": "Draft the cut-over plan v2"}, headers=headers)
    assert second.status_code == 409
    task.refresh_from_db()
    assert (task.title, task.status) == ("Draft the cut-over plan", "done")
    body = unescape(second.content.decode())
    theirs = re.findall(r'data-testid="theirs">([^<]*)<', body)
    yours = re.findall(r'data-testid="yours">([^<]*)<', body)
    assert theirs_label in theirs and "Draft the cut-over plan v2" in yours
    assert world.manager.get_full_name() in body  # who saved meanwhile, from the audit trail

    # Sending the kept form again saves Bob's values on top of the new version.
    again = VERSION_INPUT.findall(second.content.decode())[0]
    assert again == version_of(task)
    resent = bob.post(
        url, {**form, "title": "Draft the cut-over plan v2", "_version": again}, headers=headers
    )
    assert resent.status_code == 302
    task.refresh_from_db()
    assert task.title == "Draft the cut-over plan v2"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_report_section_race(world, language):
    report = StatusReportFactory(project=world.project, summary="Week 1: on track")
    http = world.http(world.manager)
    headers = {"Accept-Language": language}
    url = reverse("reports:edit", args=[report.pk])
    version = VERSION_INPUT.findall(http.get(url, headers=headers).content.decode())[0]
    form = {"title": report.title, "rag": report.rag, "summary": "Week 1: slipping", "_version": version}
    assert http.post(url, form, headers=headers).status_code == 302
    stale = http.post(url, {**form, "summary": "Week 1: all good"}, headers=headers)
    assert stale.status_code == 409
    report.refresh_from_db()
    assert report.summary == "Week 1: slipping"
    assert "Week 1: all good" in unescape(stale.content.decode())


def test_post_without_a_version_is_not_checked(world):
    """Scripts and pages from before the check still save (the API has If-Match for that)."""
    task = f.TaskFactory(project=world.project, title="Old", status="todo")
    url = reverse("projects:task_edit", args=[task.pk])
    response = world.http(world.manager).post(url, {"title": "New", "status": "todo", "kind": task.kind})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "New"


# --- the board ---------------------------------------------------------------------------------


def _board_version(http, task) -> str:
    board = http.get(reverse("projects:board", args=[task.project_id])).content.decode()
    found = re.search(rf'id="task-{task.pk}"[^>]*data-version="(\d+)"', board)
    assert found, "the card does not carry its version"
    return found.group(1)


@pytest.mark.parametrize(
    "language,message",
    [("en", "Someone else changed this task"), ("zh-hans", "其他人在您的看板加载后修改了此任务")],
)
def test_board_move_on_a_stale_page_is_refused(world, language, message):
    task = f.TaskFactory(project=world.project, status="todo")
    http = world.http(world.member)
    version = _board_version(http, task)
    # Meanwhile someone moves it to "doing".
    project_services.task_move(actor=world.memberships[world.manager.pk], task=task, status="doing")
    response = http.post(
        reverse("projects:task_move", args=[task.pk]),
        {"status": "done", "_version": version},
        headers={"HX-Request": "true", "Accept-Language": language},
    )
    assert response.status_code == 409
    assert Task.objects.get(pk=task.pk).status == "doing"
    body = unescape(response.content.decode())
    assert message in body and 'data-testid="board-message"' in body
    # The board re-rendered: the card is back in the column where the task really is.
    doing = body.split('data-status="doing"', 1)[1].split('data-status="done"', 1)[0]
    assert f'id="task-{task.pk}"' in doing


def test_board_move_with_the_current_version_moves(world):
    task = f.TaskFactory(project=world.project, status="todo")
    http = world.http(world.member)
    version = _board_version(http, task)
    response = http.post(
        reverse("projects:task_move", args=[task.pk]),
        {"status": "done", "_version": version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).status == "done"


def test_stale_board_move_without_htmx_goes_back_with_the_message(world):
    task = f.TaskFactory(project=world.project, status="todo")
    http = world.http(world.member)
    version = _board_version(http, task)
    project_services.task_move(actor=world.memberships[world.manager.pk], task=task, status="doing")
    response = http.post(
        reverse("projects:task_move", args=[task.pk]), {"status": "done", "_version": version}, follow=True
    )
    assert Task.objects.get(pk=task.pk).status == "doing"
    assert "Someone else changed this task" in unescape(response.content.decode())


# --- quick forms: a status changed from the object's page, the inbox triage, the profile ----------


def _selected(body: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S).group(1)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


QUICK_STATUS = [
    ("risks", Risk, RiskFactory, "open", "monitoring", "occurred", ("Monitoring", "Occurred")),
    ("needs", Need, NeedFactory, "proposed", "agreed", "dropped", ("Agreed", "Dropped")),
]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("app,model,factory,start,theirs,yours,labels", QUICK_STATUS)
def test_quick_status_race(world, language, app, model, factory, start, theirs, yours, labels):
    """Two people open the same risk (need); the first changes its status; the second's change is
    refused with both statuses shown and their choice kept, and saves once sent again."""
    obj = factory(project=world.project, status=start)
    alice, bob = world.http(world.manager), world.http(world.member)
    headers = {"Accept-Language": language}
    page = reverse(f"{app}:detail", args=[obj.pk])
    url = reverse(f"{app}:status", args=[obj.pk])
    version = VERSION_INPUT.findall(alice.get(page, headers=headers).content.decode())[0]
    assert VERSION_INPUT.findall(bob.get(page, headers=headers).content.decode())[0] == version

    assert alice.post(url, {"status": theirs, "_version": version}, headers=headers).status_code == 302
    refused = bob.post(url, {"status": yours, "_version": version}, headers=headers)
    assert refused.status_code == 409
    assert model.objects.get(pk=obj.pk).status == theirs
    body = unescape(refused.content.decode())
    assert 'data-testid="edit-conflict"' in body
    if language == "en":
        assert re.findall(r'data-testid="theirs">([^<]*)<', body) == [labels[0]]
        assert re.findall(r'data-testid="yours">([^<]*)<', body) == [labels[1]]
    assert _selected(body, "status") == yours  # what was chosen is kept in the form
    again = VERSION_INPUT.findall(refused.content.decode())[0]
    assert again == version_of(model.objects.get(pk=obj.pk)) != version

    assert bob.post(url, {"status": yours, "_version": again}, headers=headers).status_code == 302
    assert model.objects.get(pk=obj.pk).status == yours


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_inbox_triage_race(world, language):
    """Two people file the same message on different clients: the second is refused, sees where it
    went, and nothing is filed twice."""
    message = inbound_message(world, world.project)
    other = f.ClientFactory(organization=world.org, name="Second Client Ltd")
    alice, bob = world.http(world.manager), world.http(world.member)
    headers = {"Accept-Language": language}
    url = reverse("comms:inbox_detail", args=[message.pk])
    version = VERSION_INPUT.findall(alice.get(url, headers=headers).content.decode())[0]
    assert VERSION_INPUT.findall(bob.get(url, headers=headers).content.decode())[0] == version

    first = alice.post(url, {"client": world.project.client_id, "_version": version}, headers=headers)
    assert first.status_code == 302
    refused = bob.post(url, {"client": other.pk, "_version": version}, headers=headers)
    assert refused.status_code == 409
    message = InboundMessage.objects.get(pk=message.pk)
    assert message.client_id == world.project.client_id
    assert InboundMessage.objects.filter(interaction__isnull=False, pk=message.pk).count() == 1
    body = unescape(refused.content.decode())
    assert 'data-testid="edit-conflict"' in body
    assert re.findall(r'data-testid="theirs">([^<]*)<', body) == [world.project.client.name]
    assert re.findall(r'data-testid="yours">([^<]*)<', body) == ["Second Client Ltd"]
    assert _selected(body, "client") == str(other.pk)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_profile_race_between_two_tabs(world, language):
    """The same person edits the profile in two tabs: the older tab's save is refused, keeps what
    was typed and shows the saved name beside it."""
    user = world.member
    first_tab, second_tab = world.http(user), world.http(user)
    headers = {"Accept-Language": language}
    url = reverse("tenancy:profile")
    version = VERSION_INPUT.findall(first_tab.get(url, headers=headers).content.decode())[0]
    form = {"full_name": "Li Wei", "language": "", "timezone": "Asia/Shanghai", "_version": version}

    assert first_tab.post(url, form, headers=headers).status_code == 302
    refused = second_tab.post(url, {**form, "full_name": "Wei Li", "timezone": "UTC"}, headers=headers)
    assert refused.status_code == 409
    user = User.objects.get(pk=user.pk)
    assert (user.full_name, user.timezone) == ("Li Wei", "Asia/Shanghai")
    body = unescape(refused.content.decode())
    assert 'data-testid="edit-conflict"' in body
    assert "Li Wei" in re.findall(r'data-testid="theirs">([^<]*)<', body)
    assert "Wei Li" in re.findall(r'data-testid="yours">([^<]*)<', body)
    assert 'value="Wei Li"' in body

    again = VERSION_INPUT.findall(refused.content.decode())[0]
    resent = second_tab.post(url, {**form, "full_name": "Wei Li", "_version": again}, headers=headers)
    assert resent.status_code == 302
    assert User.objects.get(pk=user.pk).full_name == "Wei Li"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_playbook_item_edit_race(world, language):
    """Two managers edit the same template item: the second save is a 409 (not a 422) that keeps
    what was typed, and saves on top once sent again."""
    template = own_template(world, world.project)
    alice, bob = world.http(world.manager), world.http(world.admin)
    headers = {"Accept-Language": language}
    url = reverse("playbooks:item_edit", args=[template.pk, "milestones", 1])
    page = alice.get(url, headers=headers).content.decode()
    version = VERSION_INPUT.findall(page)[0]
    form = {**_form_as_loaded(unescape(page)), "name_en": "Go-live", "offset_days": "40"}

    saved = alice.post(url, {**form, "offset_days": "45", "_version": version}, headers=headers)
    assert saved.status_code == 302
    refused = bob.post(url, {**form, "name_en": "Go-live (phase 1)", "_version": version}, headers=headers)
    assert refused.status_code == 409
    template.refresh_from_db()
    assert template.milestones[1]["name"]["en"] == "Go-live" and template.milestones[1]["offset_days"] == 45
    body = unescape(refused.content.decode())
    assert 'data-testid="edit-conflict"' in body and 'value="Go-live (phase 1)"' in body
    assert "45" in re.findall(r'data-testid="theirs">([^<]*)<', body)

    again = VERSION_INPUT.findall(refused.content.decode())[0]
    resent = bob.post(url, {**form, "name_en": "Go-live (phase 1)", "_version": again}, headers=headers)
    assert resent.status_code == 302
    template.refresh_from_db()
    assert template.milestones[1]["name"]["en"] == "Go-live (phase 1)"
