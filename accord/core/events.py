"""The catalogue of domain events: the one list that the subscription form and API accept, that
``event_emit`` checks, and that the webhooks page and the OpenAPI document describe.

Each event has a name (``area.what_happened``), a label and a description (translated), and a
Pydantic model of its payload — the ``data`` object a subscriber receives. A new event is added
here first; ``event_emit`` refuses a name that is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TaskDone(Payload):
    task_id: int
    task_title: str
    project_id: int
    project_code: str
    project_name: str
    milestone_id: int | None
    milestone_name: str | None
    assignee_id: int | None
    done_on: str | None = Field(description="ISO date")


class MilestoneCompleted(Payload):
    milestone_id: int
    milestone_name: str
    project_id: int
    project_code: str
    project_name: str
    due_date: str = Field(description="ISO date")
    baseline_due_date: str | None = Field(description="ISO date")
    completed_on: str | None = Field(description="ISO date")


class ReportPublished(Payload):
    report_id: int
    project_id: int
    version: int
    rag: str = Field(description="green, amber or red")
    period_start: str = Field(description="ISO date")
    period_end: str = Field(description="ISO date")
    recipients: int
    plan_item_id: int | None


class MeetingScheduled(Payload):
    meeting_id: int
    project_id: int
    uid: str = Field(description="the iCalendar UID of the invitation")
    kind: str
    title: str
    starts_at: str = Field(description="ISO date-time")
    timezone: str
    attendees: int


class MinutesPublished(Payload):
    meeting_id: int
    project_id: int
    decisions: int
    action_items: int
    open_earlier_action_items: int
    recipients: int


class RiskChanged(Payload):
    id: int
    project_id: int
    title: str
    category: str
    probability: int
    impact: int
    score: int
    level: str
    status: str
    owner_id: int | None


class ChangeRequestChanged(Payload):
    id: int
    project_id: int
    title: str
    status: str
    schedule_days: int | None
    effort_hours: str = Field(description="decimal as text")
    cost_amount: str = Field(description="decimal as text")
    currency: str
    decided_by_name: str
    decided_at: str | None = Field(description="ISO date-time")


class SurveySent(Payload):
    survey_id: int
    project_id: int
    recipients: int


class SurveyAnswered(Payload):
    survey_id: int
    project_id: int
    response_id: int
    contact_id: int | None
    csat: list[int] = Field(description="the answers to the CSAT questions (1–5)")
    nps: list[int] = Field(description="the answers to the NPS questions (0–10)")
    low_score: bool


class EvaluationFinalised(Payload):
    project_id: int
    evaluation_id: int
    spi: float | str | None
    cpi: float | str | None
    csat: float | None
    nps: float | None


class SupportRequested(Payload):
    id: int
    project: int
    priority: str
    title: str


class SupportStatusChanged(Payload):
    id: int
    project: int
    from_: str = Field(alias="from")
    to: str


class TrainingPlanned(Payload):
    id: int
    project: int
    topic: str


class NeedCreated(Payload):
    need_id: int
    project_id: int
    title: str
    priority: str
    status: str
    source_contact_id: int | None
    source_interaction_id: int | None


class InteractionLogged(Payload):
    interaction_id: int
    client_id: int
    project_id: int | None
    kind: str
    channel: str
    direction: str
    occurred_at: str = Field(description="ISO date-time")
    summary: str
    contact_ids: list[int]
    source: str


@dataclass(frozen=True)
class EventType:
    name: str
    label: object
    description: object
    payload: type[Payload]

    def schema(self) -> dict:
        return self.payload.model_json_schema(by_alias=True)


_EVENTS = [
    EventType("task.done", _("Task done"), _("A task was marked done."), TaskDone),
    EventType(
        "milestone.completed",
        _("Milestone completed"),
        _("A milestone was completed (its completion date is set)."),
        MilestoneCompleted,
    ),
    EventType(
        "report.published",
        _("Status report published"),
        _("A status report was published and mailed to its recipients."),
        ReportPublished,
    ),
    EventType(
        "meeting.scheduled",
        _("Meeting scheduled"),
        _("A meeting was scheduled and its invitation sent."),
        MeetingScheduled,
    ),
    EventType(
        "minutes.published",
        _("Minutes published"),
        _("A meeting's minutes were published to its attendees."),
        MinutesPublished,
    ),
    EventType("risk.raised", _("Risk raised"), _("A risk was raised on a project."), RiskChanged),
    EventType("risk.occurred", _("Risk occurred"), _("A risk was marked as occurred."), RiskChanged),
    EventType(
        "change_request.submitted",
        _("Change request submitted"),
        _("A change request was submitted for assessment."),
        ChangeRequestChanged,
    ),
    EventType(
        "change_request.decided",
        _("Change request decided"),
        _("The client approved or rejected a change request."),
        ChangeRequestChanged,
    ),
    EventType("survey.sent", _("Survey sent"), _("A satisfaction survey was sent to contacts."), SurveySent),
    EventType(
        "survey.answered",
        _("Survey answered"),
        _("A contact answered a satisfaction survey."),
        SurveyAnswered,
    ),
    EventType(
        "evaluation.finalised",
        _("Evaluation finalised"),
        _("A project's close-out evaluation was finalised; its figures are frozen."),
        EvaluationFinalised,
    ),
    EventType(
        "support.requested",
        _("Support requested"),
        _("A client opened a support request."),
        SupportRequested,
    ),
    EventType(
        "support.status_changed",
        _("Support request status changed"),
        _("A support request moved to another status."),
        SupportStatusChanged,
    ),
    EventType(
        "training.planned",
        _("Training planned"),
        _("A training session was planned for the client."),
        TrainingPlanned,
    ),
    EventType("need.created", _("Need recorded"), _("A need of the client was recorded."), NeedCreated),
    EventType(
        "interaction.logged",
        _("Interaction logged"),
        _("A call, meeting, message, visit or note with a client was logged."),
        InteractionLogged,
    ),
]

EVENTS: dict[str, EventType] = {event.name: event for event in _EVENTS}


def choices() -> dict[str, object]:
    """Event name → translated label, in catalogue order (for forms)."""
    return {event.name: event.label for event in _EVENTS}


def check_payload(name: str, payload: dict) -> None:
    """Raise ``pydantic.ValidationError`` if ``payload`` does not match the event's schema."""
    EVENTS[name].payload.model_validate(payload)


def openapi_webhooks() -> tuple[dict, dict]:
    """(components.schemas, webhooks) for the OpenAPI document: one schema per payload and one
    webhook per event, its request body the envelope a subscriber receives."""
    schemas: dict = {}
    webhooks: dict = {}
    for event in _EVENTS:
        name = "Event_" + event.name.replace(".", "_")
        schemas[name] = {
            "type": "object",
            "title": name,
            "required": ["type", "timestamp", "data"],
            "properties": {
                "type": {"type": "string", "const": event.name},
                "timestamp": {"type": "string", "format": "date-time"},
                "data": event.schema(),
            },
        }
        webhooks[event.name] = {
            "post": {
                "summary": str(event.label),
                "description": str(event.description)
                + " Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).",
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
                },
                "responses": {"200": {"description": "Any 2xx answer means received."}},
            }
        }
    return schemas, webhooks
