"""Demo change requests: one approved by the client (the baseline moved), one awaiting the
decision (idempotent)."""

from accord.changes.models import ChangeRequest
from accord.changes.services import (
    change_request_assess,
    change_request_create,
    change_request_record_decision,
    change_request_submit,
)
from accord.tenancy.access import membership_for

CHANGES = [
    ("Add a KPI dashboard for the board", "为董事会增加 KPI 看板", 10, "80", "6400.00", True),
    ("Integrate with the new warehouse system", "对接新的仓储系统", 15, "120", "9600.00", False),
]


def load(ctx) -> None:
    for project in list(ctx.projects.values())[:3]:
        zh = (project.organization.default_language or "").startswith("zh")
        contact = project.contacts.first()
        actor = membership_for(project.manager, project.organization_id)
        for en, cn, days, hours, cost, approve in CHANGES:
            title = cn if zh else en
            if ChangeRequest.objects.filter(project=project, title=title).exists():
                continue
            change = change_request_create(actor=actor, project=project, title=title, requested_by=contact)
            change = change_request_submit(actor=actor, change_request=change)
            milestones = list(project.milestones.order_by("-due_date")[:1])
            change = change_request_assess(
                actor=actor,
                change_request=change,
                schedule_days=days,
                effort_hours=hours,
                cost_amount=cost,
                affected_milestones=milestones,
            )
            if approve and contact is not None:
                change_request_record_decision(
                    actor=actor,
                    change_request=change,
                    contact=contact,
                    approve=True,
                    comment="同意，请按计划实施。" if zh else "Approved by e-mail; please go ahead.",
                )
