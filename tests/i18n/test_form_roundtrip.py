"""Saving a form unchanged changes nothing, in every language and time zone.

Every page of the app that renders a ``<form method="post">`` posting back to itself is found
from the URL patterns (through the access matrix's rows, which build an object for each route);
the form is submitted as a browser would submit it from the rendered HTML — where an input's
value is one its type cannot hold (a date that is not ISO, a number that is not a number) the
browser shows and sends it empty — and the database, audit trail included, must be as before.
A new form is covered without a line here; a new form that creates rather than edits must be
named in CREATE_FORMS (and its date inputs are still checked).
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from accord.risks.models import Risk
from accord.risks.tests.factories import RiskFactory
from tests.access.spec import Row
from tests.access.test_matrix import ROWS, _path_for, web_routes

ZONES = ["UTC", "Asia/Shanghai", "America/Los_Angeles"]
LANGUAGES = ["en-us", "zh-hans"]

# Forms that make something new, delete, send or act rather than edit what the page shows:
# submitting one is meant to change the database (or needs new input). Their inputs are still
# checked for ISO dates.
CREATE, DELETE, ACT = "creates", "deletes (a confirmation page)", "acts once or sends"
CREATE_FORMS: dict[str, str] = {
    "changes:assess": ACT,
    "changes:create": CREATE,
    "changes:decision": ACT,
    "comms:channel_create": CREATE,
    "comms:channel_delete": DELETE,
    "comms:inbox_detail": ACT,
    "comms:obligation_send": ACT,
    "comms:obligation_tick": ACT,
    "comms:plan_copy": CREATE,
    "comms:plan_item_create": CREATE,
    "comms:plan_item_delete": DELETE,
    "comms:responsibility_create": CREATE,
    "comms:webhook_create": CREATE,
    "comms:webhook_delete": DELETE,
    "crm:client_create": CREATE,
    "crm:client_delete": DELETE,
    "crm:contact_create": CREATE,
    "crm:contact_delete": DELETE,
    "crm:interaction_create": CREATE,
    "crm:interaction_delete": DELETE,
    "crm:unsubscribe": ACT,
    "dataio:import_map": ACT,
    "dataio:import_upload": ACT,
    "evaluation:action_apply": ACT,
    "evaluation:lesson_create": CREATE,
    "evaluation:lesson_delete": DELETE,
    "evaluation:retro_create": CREATE,
    "evaluation:retro_delete": DELETE,
    "feedback:answer": ACT,
    "feedback:question_add": CREATE,
    "feedback:survey_create": CREATE,
    "feedback:survey_delete": DELETE,
    "feedback:survey_send": ACT,
    "feedback:template_create": CREATE,
    "feedback:template_question_add": CREATE,
    "meetings:create": CREATE,
    "needs:create": CREATE,
    "needs:delete": DELETE,
    "playbooks:delete": DELETE,
    "playbooks:duplicate": CREATE,
    "playbooks:item_add": CREATE,
    "playbooks:item_delete": DELETE,
    "playbooks:save_from_project": CREATE,
    "playbooks:use": CREATE,
    "portal:change_create": CREATE,
    "portal:invite_contact": ACT,
    "portal:link_request": ACT,
    "portal:link_signin": ACT,
    "privacy:contact_erase": DELETE,
    "projects:create": CREATE,
    "projects:delete": DELETE,
    "projects:milestone_create": CREATE,
    "projects:milestone_delete": DELETE,
    "projects:task_create": CREATE,
    "projects:task_delete": DELETE,
    "risks:create": CREATE,
    "risks:delete": DELETE,
    "service:mailboxes": CREATE,
    "service:portal_request_create": CREATE,
    "service:portal_request_detail": ACT,
    "service:portal_training_detail": ACT,
    "service:request_create": CREATE,
    "service:training_create": CREATE,
    "service:mailbox_confirm": ACT,
    "tenancy:accept_invitation": ACT,
    "tenancy:organization_create": CREATE,
    "tenancy:password_change": ACT,
    "tenancy:password_reset": ACT,
    "tenancy:members": ACT,
}

# What an unchanged save may change on the test's objects, and why ("app.Model.field", or
# "app.Model +" for rows it may create).
ALLOWED: dict[str, dict[str, str]] = {
    "projects:milestone_edit": {
        "projects.Milestone.baseline_due_date": "a milestone without a baseline (made by a factory, "
        "not by the service) takes its due date as baseline on its first save",
        "audit.AuditEntry +": "that baseline is audited",
    },
    "comms:plan_item_edit": {
        "comms.PlanItem.rrule": "the factory's rule is written in its canonical form (INTERVAL=1)",
        "comms.Obligation +": "the plan item made by a factory has no obligations yet; saving generates them",
        "audit.AuditEntry +": "the canonical rule is audited",
    },
    "comms:preferences": {
        "comms.ReminderPreference +": "a member's reminder settings are stored on their first save",
    },
    "privacy:retention": {
        "privacy.RetentionPolicy +": "an organisation's retention settings are stored on their first save",
    },
}

# Columns a request touches by design (time stamps of the save itself, sign-in bookkeeping).
VOLATILE = {"updated_at", "last_login", "last_seen_at", "last_used_at"}

VALID = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
    "number": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"),
    "range": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"),
}
NOT_SENT = {"submit", "button", "reset", "image", "file"}


class Form:
    def __init__(self, attrs: dict):
        self.action = attrs.get("action") or ""
        self.fields: list[tuple[str, str]] = []
        self.submit: tuple[str, str] | None = None
        self.bad_values: list[str] = []  # inputs whose value their type cannot hold
        self._select: tuple[str, bool, list, list] | None = None
        self._textarea: tuple[str, list] | None = None
        self._option: dict | None = None


class Forms(HTMLParser):
    """The post forms of a page and what a browser submits from each."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a) if a.get("method", "get").lower() == "post" else None
            if self.form is not None:
                self.forms.append(self.form)
            return
        form = self.form
        if form is None or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image") and name and form.submit is None:
                form.submit = (name, a.get("value", ""))
            if not name or kind in NOT_SENT:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
                return
            value = a.get("value", "")
            pattern = VALID.get(kind)
            if value and pattern is not None and not pattern.match(value):
                form.bad_values.append(f'{name}: <input type="{kind}" value="{value}">')
                value = ""
            form.fields.append((name, value))
        elif tag == "button":
            if name and a.get("type", "submit").lower() == "submit" and form.submit is None:
                form.submit = (name, a.get("value", ""))
        elif tag == "select" and name:
            form._select = (name, "multiple" in a, [], [])
        elif tag == "option" and form._select is not None:
            form._option = {"value": a.get("value"), "selected": "selected" in a, "text": []}
        elif tag == "textarea" and name:
            form._textarea = (name, [])

    def handle_data(self, data):
        form = self.form
        if form is None:
            return
        if form._option is not None:
            form._option["text"].append(data)
        elif form._textarea is not None:
            form._textarea[1].append(data)

    def _close_option(self):
        form = self.form
        if form is not None and form._option is not None and form._select is not None:
            option = form._option
            value = option["value"] if option["value"] is not None else "".join(option["text"]).strip()
            form._select[2].append(value)
            if option["selected"]:
                form._select[3].append(value)
            form._option = None

    def handle_endtag(self, tag):
        form = self.form
        if form is None:
            return
        if tag == "option":
            self._close_option()
        elif tag == "select" and form._select is not None:
            self._close_option()
            name, multiple, options, selected = form._select
            if multiple:
                form.fields.extend((name, v) for v in selected)
            elif selected or options:
                form.fields.append((name, (selected or options)[-1 if selected else 0]))
            form._select = None
        elif tag == "textarea" and form._textarea is not None:
            name, parts = form._textarea
            text = unescape("".join(parts))
            form.fields.append((name, text[1:] if text.startswith("\n") else text))
            form._textarea = None
        elif tag == "form":
            self.form = None


def post_forms(html: str) -> list[Form]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def _posts_back(form: Form, path: str) -> bool:
    action = form.action.split("?", 1)[0].split("#", 1)[0]
    return action in ("", path)


def _caller(world, row: Row):
    """Who opens the form: the client on the portal, else the most privileged team role allowed."""
    order = ("client",) if row.portal else ("admin", "manager", "member")
    users = {
        "client": world.client_user,
        "admin": world.admin,
        "manager": world.manager,
        "member": world.member,
    }
    for role in order:
        expected = row.expect.get(role)
        if expected == 200 or (isinstance(expected, tuple) and 200 in expected):
            return users[role]
    return None


def _database() -> dict:
    """Every row of Accord's tables (without the columns a save touches by design)."""
    state = {}
    for model in apps.get_models():
        if not model.__module__.startswith("accord."):
            continue
        rows = model.objects.order_by("pk").values()
        state[model._meta.label] = [{k: v for k, v in row.items() if k not in VOLATILE} for row in rows]
    return state


def _differences(before: dict, after: dict, allowed: dict[str, str]) -> list[str]:
    found = []
    for label, rows in after.items():
        old = {r["id"]: r for r in before.get(label, []) if "id" in r}
        new = {r["id"]: r for r in rows if "id" in r}
        if new.keys() - old.keys() and f"{label} +" not in allowed:
            found.append(f"{label} created: {sorted(new.keys() - old.keys())}")
        if old.keys() - new.keys():
            found.append(f"{label} deleted: {sorted(old.keys() - new.keys())}")
        for pk in new.keys() & old.keys():
            changed = {
                k: (old[pk][k], new[pk][k])
                for k in new[pk]
                if old[pk].get(k) != new[pk][k] and f"{label}.{k}" not in allowed
            }
            if changed:
                found.append(f"{label} #{pk}: {changed}")
    return found


GET_ROWS = [r for r in ROWS if r.method == "GET" and ":" in r.route and not r.route.startswith("api")]
# Which rows open a form is found by the first run and reused by the others (zone and language
# change the values shown, not which pages have forms).
_FORM_ROWS: list[Row] = []


# Dates that record that something happened; set, they would change what the object is.
EVENT_DATES = {"done_on", "completed_on", "actual_end_date", "baseline_due_date", "closed_on"}


def _with_dates(obj) -> None:
    """Give the object's empty optional plan dates a value (a month ahead), so that a form
    erasing one shows: most factory objects leave them empty."""
    if not isinstance(obj, models.Model):
        return
    values = {
        field.attname: timezone.localdate() + dt.timedelta(days=30)
        for field in obj._meta.concrete_fields
        if type(field) is models.DateField
        and field.editable
        and field.null
        and field.name not in EVENT_DATES
        and getattr(obj, field.attname) is None
    }
    if values:
        type(obj).objects.filter(pk=obj.pk).update(**values)
        for name, value in values.items():
            setattr(obj, name, value)


def _round_trip(world, row: Row) -> dict | None:
    """Open the page of ``row`` and submit each form that posts back to it; what was found."""
    user = _caller(world, row)
    if user is None:
        return None
    http = world.http(user)
    obj = row.make(world, world.project) if row.make else world
    _with_dates(obj)
    path = _path_for(row, obj)
    response = http.get(path)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    every = post_forms(response.content.decode())
    forms = [f for f in every if _posts_back(f, path)]
    if not every:
        return None
    # Every form on the page must show its dates as its inputs can hold them (the review form
    # on a risk's page posts elsewhere; its date input counts too).
    result = {"path": path, "bad_values": [b for f in every for b in f.bad_values], "problems": []}
    result["edits"] = bool(forms) and row.route not in CREATE_FORMS
    for form in forms:
        if row.route in CREATE_FORMS:
            continue
        data: dict[str, list[str]] = {}
        for name, value in form.fields + ([form.submit] if form.submit else []):
            data.setdefault(name, []).append(value)
        before = _database()
        try:
            with transaction.atomic():
                posted = http.post(path, data)
        except Exception as exc:  # a 500: recorded as a finding, the other forms still run
            result["problems"].append(f"saving unchanged raised {exc.__class__.__name__}: {exc}")
            continue
        if posted.status_code not in (200, 302, 303):
            result["problems"].append(f"saving unchanged answered {posted.status_code}")
        elif posted.status_code == 200 and b"errorlist" in posted.content:
            result["problems"].append("saving unchanged was refused: " + _errors(posted.content.decode()))
        result["problems"].extend(_differences(before, _database(), ALLOWED.get(row.route, {})))
    return result


def _errors(html: str) -> str:
    return "; ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S))[:300]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("zone", ZONES)
def test_saving_any_form_unchanged_changes_nothing(world, zone, language, capsys):
    for user in (world.admin, world.manager, world.member, world.client_user):
        user.timezone, user.language = zone, language
        user.save()
    assert {r.route for r in GET_ROWS} <= web_routes()
    covered, findings = {}, []
    discovering = not _FORM_ROWS
    for row in GET_ROWS if discovering else _FORM_ROWS:
        with transaction.atomic():
            result = _round_trip(world, row)
            transaction.set_rollback(True)
        if result is None:
            continue
        if discovering:
            _FORM_ROWS.append(row)
        if result["edits"] or row.route in CREATE_FORMS:
            covered[row.route] = result["path"]
        for bad in result["bad_values"]:
            findings.append(f"{row.route}: {bad}")
        for problem in result["problems"]:
            findings.append(f"{row.route}: {problem}")
    with capsys.disabled():
        edits = sorted(set(covered) - set(CREATE_FORMS))
        print(
            f"\nform round trip ({zone}, {language}): {len(edits)} edit forms saved unchanged: "
            + ", ".join(edits)
        )
        print(
            f"  {len(covered) - len(edits)} create/act forms and every post form on {len(_FORM_ROWS)} pages, "
            "checked for ISO dates"
        )
    stale = sorted(set(CREATE_FORMS) - set(covered))
    assert not stale, "CREATE_FORMS names routes that render no such form: " + ", ".join(stale)
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("zone", ZONES)
def test_chinese_risk_form_keeps_its_review_date(world, zone):
    """The reported case: in zh-Hans the next-review date was shown as 2026/12/01, which a date
    input shows (and sends) empty, so saving the risk unchanged erased it."""
    world.manager.timezone, world.manager.language = zone, "zh-hans"
    world.manager.save()
    risk = RiskFactory(project=world.project, owner=world.member, next_review_on=dt.date(2026, 12, 1))
    http = world.http(world.manager)
    path = reverse("risks:edit", args=[risk.pk])
    (form,) = [f for f in post_forms(http.get(path).content.decode()) if _posts_back(f, path)]
    assert form.bad_values == [] and ("next_review_on", "2026-12-01") in form.fields
    data: dict[str, list[str]] = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    assert http.post(path, data).status_code == 302
    assert Risk.objects.get(pk=risk.pk).next_review_on == dt.date(2026, 12, 1)
    detail = http.get(reverse("risks:detail", args=[risk.pk])).content.decode()
    assert 'value="2026/' not in detail and not [b for f in post_forms(detail) for b in f.bad_values]
