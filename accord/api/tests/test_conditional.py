"""Conditional requests: ETag on every object, 304 for If-None-Match, 412 for a stale If-Match and
409 for a stale body ``version`` on every write that declares them, and the races between the web
form and the API both ways."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from accord.lib.versioning import etag, version_of
from accord.projects.models import Task
from accord.testing import factories as f
from tests.access.test_matrix import ROWS


def _document():
    return Client().get("/api/v1/openapi.json").json()


def _guarded_routes() -> list[str]:
    from accord.api.api import api

    document = api.get_openapi_schema()
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if 412 in operation["responses"] or "412" in operation["responses"]
    )


GUARDED = _guarded_routes()


def _row(route: str):
    return next((r for r in ROWS if r.route == route), None)


def _snapshot(tables) -> dict:
    return {label: list(apps.get_model(label).objects.order_by("pk").values()) for label in tables}


def test_the_writes_of_every_object_are_guarded():
    for route in (
        "PATCH /api/v1/tasks/{task_id}",
        "DELETE /api/v1/tasks/{task_id}",
        "PATCH /api/v1/projects/{project_id}",
        "PATCH /api/v1/clients/{client_id}",
        "PATCH /api/v1/contacts/{contact_id}",
        "PATCH /api/v1/risks/{risk_id}",
        "PATCH /api/v1/change-requests/{change_id}",
        "PATCH /api/v1/needs/{need_id}",
        "PATCH /api/v1/meetings/{meeting_id}",
        "PATCH /api/v1/reports/{report_id}",
        "PUT /api/v1/meetings/{meeting_id}/minutes",
        "PATCH /api/v1/organization",
        # Objects without a GET of their own (@versioned_by).
        "PATCH /api/v1/risk-actions/{action_id}",
        "DELETE /api/v1/risk-actions/{action_id}",
        "DELETE /api/v1/agenda-items/{item_id}",
        "DELETE /api/v1/webhook-subscriptions/{subscription_id}",
        "PATCH /api/v1/retro-actions/{action_id}",
        "DELETE /api/v1/retro-actions/{action_id}",
        "PATCH /api/v1/survey-questions/{question_id}",
        "DELETE /api/v1/survey-questions/{question_id}",
        "DELETE /api/v1/responsibilities/{row_id}",
        "PATCH /api/v1/members/{membership_id}",
        "DELETE /api/v1/members/{membership_id}",
        "DELETE /api/v1/invitations/{invitation_id}",
        "PATCH /api/v1/channels/{channel_id}",
        "DELETE /api/v1/channels/{channel_id}",
        "DELETE /api/v1/support-addresses/{mailbox_id}",
    ):
        assert route in GUARDED


def _read_path(path_template: str, path: str) -> str | None:
    """Where the object a write names is read: the same path, or (a part of an object, e.g. the
    minutes) its parent; ``None`` for an object without a GET of its own (a risk action)."""
    if _row(f"GET {path_template}") is not None:
        return path
    parent = path_template.rsplit("/", 1)[0]
    same_object = re.findall(r"{\w+}", parent) == re.findall(r"{\w+}", path_template)
    return path.rsplit("/", 1)[0] if same_object and _row(f"GET {parent}") is not None else None


def _tag_of(api, read_path, obj) -> str:
    if read_path is None:  # no GET: the ETag the object's create and PATCH answers carry
        return etag(version_of(type(obj).objects.get(pk=obj.pk)))
    read = api.get(read_path)
    assert read.status_code == 200
    return read.headers.get("ETag", "")


@pytest.mark.parametrize("route", GUARDED)
def test_stale_if_match_is_refused(route, world):
    method, path_template = route.split(" ", 1)
    row = _row(route)
    assert row is not None, f"{route}: no access row to build the object with"
    obj = row.make(world, world.project) if row.make else world
    path = row.path(obj) if row.path else path_template
    read_path = _read_path(path_template, path)
    api = world.api(world.admin)

    tag = _tag_of(api, read_path, obj)
    assert re.fullmatch(r'"\d+"', tag), f"{read_path}: no ETag ({tag!r})"
    if read_path is not None:
        assert api.get(read_path, headers={**api.headers, "If-None-Match": tag}).status_code == 304

    stale = f'"{int(tag.strip(chr(34))) - 1}"'
    data = (row.data(obj) if row.data else None) or {}
    tables = row.tables or ()
    before = _snapshot(tables)
    headers = {**api.headers, "If-Match": stale}
    if method == "DELETE":
        refused = api.delete(path, headers=headers)
    else:
        refused = getattr(api, method.lower())(path, data, headers=headers)
    assert refused.status_code == 412, f"{route}: a stale If-Match gave {refused.status_code}"
    assert refused.json()["message"] and refused.json()["errors"][0]["field"] == "If-Match"
    assert refused.headers["ETag"] == tag
    assert _snapshot(tables) == before, f"{route}: a refused write changed {', '.join(tables)}"
    assert _tag_of(api, read_path, obj) == tag  # the object is as it was

    if method != "DELETE":
        # The same body with the current ETag (or "*") is let through to the operation.
        passed = getattr(api, method.lower())(path, data, headers={**api.headers, "If-Match": tag})
        assert passed.status_code not in (409, 412), f"{route}: a current If-Match gave {passed.status_code}"
        if read_path is None and passed.status_code == 200:  # its answer is the only place to read it
            assert passed.headers.get("ETag") == _tag_of(api, None, obj) != tag


@pytest.fixture
def task(world):
    return f.TaskFactory(project=world.project, title="Draft the cut-over plan", status="todo")


@pytest.mark.parametrize("language,message", [("en", "changed since you read it"), ("zh-hans", "自您读取后")])
def test_web_form_then_stale_api_patch(world, task, language, message):
    """The API read the task, then a person saved the web form: the API's PATCH is refused."""
    api = world.api(world.member)
    tag = api.get(f"/tasks/{task.pk}").headers["ETag"]
    http = world.http(world.manager)
    url = reverse("projects:task_edit", args=[task.pk])
    version = re.search(r'name="_version" value="(\d+)"', http.get(url).content.decode()).group(1)
    saved = http.post(
        url, {"title": "Cut-over plan (web)", "status": "doing", "kind": task.kind, "_version": version}
    )
    assert saved.status_code == 302

    headers = {**api.headers, "If-Match": tag, "Accept-Language": language}
    refused = api.patch(f"/tasks/{task.pk}", {"title": "Cut-over plan (api)"}, headers=headers)
    assert refused.status_code == 412
    assert message in refused.json()["message"]
    # Without If-Match, the ETag's value as a body "version" is checked as well.
    plain = {**api.headers, "Accept-Language": language}
    body = api.patch(f"/tasks/{task.pk}", {"title": "Cut-over plan (api)", "version": tag}, headers=plain)
    assert body.status_code == 409
    assert body.json()["errors"][0]["field"] == "version"
    task.refresh_from_db()
    assert (task.title, task.status) == ("Cut-over plan (web)", "doing")

    # Read again, send with the new ETag: saved, and the answer carries the next ETag.
    fresh = api.get(f"/tasks/{task.pk}").headers["ETag"]
    done = api.patch(
        f"/tasks/{task.pk}", {"title": "Cut-over plan (api)"}, headers={**api.headers, "If-Match": fresh}
    )
    assert done.status_code == 200
    task.refresh_from_db()
    assert task.title == "Cut-over plan (api)"
    assert done.headers["ETag"] == f'"{version_of(task)}"' != fresh


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_api_patch_then_stale_web_form(world, task, language):
    """A person opened the web form, then the API changed the task: the form's save is refused."""
    http = world.http(world.manager)
    url = reverse("projects:task_edit", args=[task.pk])
    version = re.search(r'name="_version" value="(\d+)"', http.get(url).content.decode()).group(1)
    api = world.api(world.member)
    assert api.patch(f"/tasks/{task.pk}", {"status": "done"}).status_code == 200

    refused = http.post(
        url,
        {"title": "Cut-over plan (web)", "status": "todo", "kind": task.kind, "_version": version},
        headers={"Accept-Language": language},
    )
    assert refused.status_code == 409
    task.refresh_from_db()
    assert (task.title, task.status) == ("Draft the cut-over plan", "done")


def test_if_match_star_and_body_version_current(world, task):
    api = world.api(world.member)
    star = api.patch(f"/tasks/{task.pk}", {"title": "Any version"}, headers={**api.headers, "If-Match": "*"})
    assert star.status_code == 200
    tag = star.headers["ETag"]
    weak = api.patch(f"/tasks/{task.pk}", {"title": "Weak tag", "version": f"W/{tag}"})
    assert weak.status_code == 200
    task.refresh_from_db()
    assert task.title == "Weak tag"


def test_stale_delete_keeps_the_object(world, task):
    api = world.api(world.member)
    tag = api.get(f"/tasks/{task.pk}").headers["ETag"]
    assert api.patch(f"/tasks/{task.pk}", {"title": "Changed"}).status_code == 200
    assert api.delete(f"/tasks/{task.pk}", headers={**api.headers, "If-Match": tag}).status_code == 412
    assert Task.objects.filter(pk=task.pk).exists()
    fresh = api.get(f"/tasks/{task.pk}").headers["ETag"]
    assert api.delete(f"/tasks/{task.pk}", headers={**api.headers, "If-Match": fresh}).status_code == 204


def test_if_none_match_after_a_change_is_a_full_answer(world, task):
    api = world.api(world.member)
    tag = api.get(f"/tasks/{task.pk}").headers["ETag"]
    assert (
        api.get(f"/tasks/{task.pk}", headers={**api.headers, "If-None-Match": f"W/{tag}"}).status_code == 304
    )
    api.patch(f"/tasks/{task.pk}", {"title": "Changed"})
    again = api.get(f"/tasks/{task.pk}", headers={**api.headers, "If-None-Match": tag})
    assert again.status_code == 200 and again.headers["ETag"] != tag


def test_if_match_does_not_reveal_another_organisations_object(world):
    foreign = f.TaskFactory(project=world.foreign_project)
    api = world.api(world.member)
    response = api.patch(f"/tasks/{foreign.pk}", {"title": "x"}, headers={**api.headers, "If-Match": '"1"'})
    assert response.status_code == 404


def test_the_document_declares_412_and_409(world):
    operation = _document()["paths"]["/api/v1/tasks/{task_id}"]
    assert {"409", "412"} <= set(operation["patch"]["responses"])
    assert "412" in operation["delete"]["responses"]
    assert any(p["name"] == "If-Match" for p in operation["patch"]["parameters"])
    assert "412" not in operation["get"]["responses"]


@pytest.mark.parametrize("language,message", [("en", "changed since you read it"), ("zh-hans", "自您读取后")])
def test_object_without_a_get_of_its_own(world, language, message):
    """A risk's contingency action: its create answer carries the ETag; a PATCH with a stale
    If-Match is a 412 and one with a stale body ``version`` a 409; the current one saves."""
    from accord.risks.models import ContingencyAction
    from accord.risks.tests.factories import RiskFactory

    risk = RiskFactory(project=world.project)
    api = world.api(world.manager)
    headers = {**api.headers, "Accept-Language": language}
    created = api.post(f"/risks/{risk.pk}/actions", {"description": "Book a second vendor"})
    assert created.status_code == 201
    action_id, tag = created.json()["id"], created.headers["ETag"]
    moved = api.patch(f"/risk-actions/{action_id}", {"done": True}, headers={**api.headers, "If-Match": tag})
    assert moved.status_code == 200 and moved.headers["ETag"] != tag

    stale = api.patch(
        f"/risk-actions/{action_id}", {"description": "Mine"}, headers={**headers, "If-Match": tag}
    )
    assert stale.status_code == 412 and message in stale.json()["message"]
    body = api.patch(f"/risk-actions/{action_id}", {"description": "Mine", "version": tag}, headers=headers)
    assert body.status_code == 409 and body.json()["errors"][0]["field"] == "version"
    assert ContingencyAction.objects.get(pk=action_id).description == "Book a second vendor"

    fresh = moved.headers["ETag"]
    saved = api.patch(
        f"/risk-actions/{action_id}", {"description": "Mine", "version": fresh}, headers=headers
    )
    assert saved.status_code == 200
    assert ContingencyAction.objects.get(pk=action_id).description == "Mine"
