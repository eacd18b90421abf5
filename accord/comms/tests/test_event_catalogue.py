"""One catalogue of events: what can be subscribed to is what is emitted, with the documented payload."""

import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.comms import services
from accord.comms.models import Event
from accord.core import events

ROOT = Path(__file__).resolve().parents[2]


def _emitted_names_in_code() -> dict[str, list[str]]:
    """Every ``event_emit(name=...)`` in Accord's code (tests excluded): name → where."""
    found: dict[str, list[str]] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called != "event_emit":
                continue
            [name] = [kw.value for kw in node.keywords if kw.arg == "name"]
            assert isinstance(name, ast.Constant), f"{path}:{node.lineno}: the event name must be a literal"
            found.setdefault(name.value, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_emitted_name_is_registered_and_every_registered_one_is_emitted_in_code():
    emitted = _emitted_names_in_code()
    assert set(emitted) - set(events.EVENTS) == set(), "emitted but not in the catalogue"
    assert set(events.EVENTS) - set(emitted) == set(), "in the catalogue but never emitted"


def test_unregistered_event_is_refused(world):
    with pytest.raises(ValueError, match="catalogue"):
        services.event_emit(organization=world.org, name="project.exploded", payload={})


def _drive_every_action(world):
    """Each action that emits an event, through its service, as the app's own tests do."""
    from accord.changes import services as changes
    from accord.crm import services as crm
    from accord.crm.models import ContactRole
    from accord.evaluation import services as evaluation
    from accord.feedback import services as feedback
    from accord.feedback.tests.helpers import answers_for, sent_survey
    from accord.meetings import services as meetings
    from accord.needs import services as needs
    from accord.projects import services as projects
    from accord.projects.models import TaskStatus
    from accord.reports import services as reports
    from accord.risks import services as risks
    from accord.risks.models import RiskStatus
    from accord.service import services as service
    from accord.service.models import Priority, RequestStatus

    manager = world.memberships[world.manager.pk]
    client_member = world.memberships[world.client_user.pk]

    task = projects.task_create(actor=manager, project=world.project, title="Load masters")
    projects.task_move(actor=manager, task=task, status=TaskStatus.DONE)
    milestone = projects.milestone_create(
        actor=manager, project=world.project, name="Design", due_date=dt.date(2030, 1, 10)
    )
    projects.milestone_complete(actor=manager, milestone=milestone)

    report = reports.status_report_draft(actor=manager, project=world.project)
    reports.status_report_publish(actor=manager, report=report, rag="amber")

    meeting = meetings.meeting_schedule(
        actor=manager,
        project=world.project,
        data={
            "kind": "status",
            "title": "Weekly status",
            "starts_at": dt.datetime(2030, 3, 4, 10, 0),
            "timezone": "Asia/Shanghai",
            "duration_minutes": 45,
        },
        users=[world.member],
        contacts=[world.contact],
        agenda=[],
    )
    meetings.minutes_publish(actor=manager, meeting=meeting)

    values = {"title": "Vendor API late", "category": "technical", "probability": 4, "impact": 5}
    risk = risks.risk_create(actor=manager, project=world.project, **values)
    risks.risk_set_status(actor=manager, risk=risk, status=RiskStatus.OCCURRED)

    world.contact.role = ContactRole.DECISION_MAKER  # the client's side decides the change
    world.contact.save(update_fields=["role"])
    change = changes.change_request_create(
        actor=manager, project=world.project, title="Extra report", requested_by=world.contact
    )
    change = changes.change_request_submit(actor=manager, change_request=change)
    change = changes.change_request_assess(
        actor=manager,
        change_request=change,
        schedule_days=5,
        effort_hours="16",
        cost_amount="1000.00",
        affected_milestones=(),
    )
    changes.change_request_decide(actor=client_member, change_request=change, approve=True, name="Li Na")

    survey, tokens = sent_survey(world)
    recipient, _problem = feedback.recipient_for_token(tokens[world.contact.pk])
    feedback.response_submit(recipient=recipient, answers=answers_for(survey, csat=2, nps=9, text="Slow"))

    world.project.status = "closed"
    world.project.save()
    closeout = evaluation.evaluation_start(actor=world.as_member(world.manager), project=world.project)
    evaluation.evaluation_finalise(actor=world.as_member(world.manager), evaluation=closeout)

    request = service.support_request_create(
        actor=client_member,
        project=world.project,
        title="Export fails",
        description="Stops.",
        priority=Priority.HIGH,
    )
    service.support_request_update(actor=manager, request=request, status=RequestStatus.RESOLVED)
    service.training_session_create(
        actor=manager, project=world.project, topic="Month-end closing", starts_at=timezone.now()
    )

    needs.need_create(actor=manager, project=world.project, title="Faster month-end closing")
    crm.interaction_create(
        actor=manager, client=world.client, contacts=[world.contact], kind="call", summary="Kick-off call"
    )


def test_every_registered_event_is_emitted_by_an_action_with_its_documented_payload(
    world, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _drive_every_action(world)
    emitted = list(Event.objects.filter(organization=world.org).values_list("name", "payload"))
    names = {name for name, _payload in emitted}
    assert names == set(events.EVENTS)
    for name, payload in emitted:
        events.check_payload(name, payload)  # strict: no field missing, none undocumented


def test_need_and_interaction_events_reach_a_subscriber_after_commit(world, http_receiver):
    from accord.crm import services as crm
    from accord.needs import services as needs

    admin = world.memberships[world.admin.pk]
    services.webhook_subscription_create(
        actor=admin, url=http_receiver.url + "/hook", events=["need.created", "interaction.logged"]
    )
    with pytest.raises(ValidationError), transaction.atomic():
        needs.need_create(
            actor=world.as_member(world.manager), project=world.project, title=""
        )  # refused: nothing queued
    assert not Event.objects.filter(name="need.created").exists()
    need = needs.need_create(
        actor=world.as_member(world.manager), project=world.project, title="Faster closing"
    )
    crm.interaction_create(
        actor=world.memberships[world.manager.pk], client=world.client, kind="call", summary="Call"
    )
    from accord.comms import delivery
    from accord.comms.models import OutboxMessage

    for message in OutboxMessage.objects.filter(channel="webhook"):
        delivery.deliver(message.pk)
    bodies = [json.loads(r["body"]) for r in http_receiver.requests]
    assert {b["type"] for b in bodies} == {"need.created", "interaction.logged"}
    [need_body] = [b for b in bodies if b["type"] == "need.created"]
    assert need_body["data"]["need_id"] == need.pk


def test_subscription_accepts_every_registered_event_and_refuses_others(world):
    admin = world.memberships[world.admin.pk]
    sub, _secret = services.webhook_subscription_create(
        actor=admin, url="https://ok.example/x", events=list(events.EVENTS)
    )
    assert set(sub.events) == set(events.EVENTS)
    with pytest.raises(ValidationError):
        services.webhook_subscription_create(actor=admin, url="https://ok.example/y", events=["need.deleted"])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_webhooks_page_lists_events_with_their_schema(world, language):
    page = world.http(world.admin).get("/communication/webhooks/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    text = page.content.decode()
    for name in events.EVENTS:
        assert f"<code>{name}</code>" in text
    assert "survey.sent" in text and "&quot;need_id&quot;" in text


def test_subscription_form_offers_every_event(world):
    page = world.http(world.admin).get("/communication/webhooks/new/")
    text = page.content.decode()
    for name in ("support.requested", "survey.sent", "evaluation.finalised", "need.created"):
        assert f'value="{name}"' in text


def test_openapi_document_describes_each_event(world):
    schema = world.api(world.admin).get("/api/v1/openapi.json").json()
    assert set(schema["webhooks"]) == set(events.EVENTS)
    ref = schema["webhooks"]["need.created"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"
    ]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert component["properties"]["type"]["const"] == "need.created"
    assert "need_id" in component["properties"]["data"]["properties"]
