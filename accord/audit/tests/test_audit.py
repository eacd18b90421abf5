from decimal import Decimal

from accord.audit.models import AuditEntry
from accord.audit.services import audit_create, audit_delete, audit_event, audit_for, audit_update, snapshot


def test_create_update_delete_are_recorded_with_field_changes(world):
    project = world.project
    audit_create(world.manager, project)
    before = snapshot(project)
    project.budget_amount = Decimal("125000.50")
    project.name = "ERP 上线"
    project.save()
    entry = audit_update(world.manager, project, before)
    assert entry.changes["name"] == ["ERP rollout", "ERP 上线"]
    assert entry.changes["budget_amount"] == ["100000.00", "125000.50"]
    assert entry.project_id == project.pk
    assert audit_update(world.manager, project, snapshot(project)) is None  # nothing changed, nothing written
    audit_delete(world.manager, project)
    actions = [e.action for e in audit_for(project)]
    assert actions == ["delete", "update", "create"]


def test_file_fields_and_secrets_are_recorded_safely(world):
    org = world.org
    entry = audit_create(world.owner, org)  # an empty logo must not break the trail
    assert "logo" not in entry.changes


def test_refused_attempts_are_recorded(world):
    entry = audit_event(
        world.member, world.project, "approve", {"reason": "not a client contact"}, denied=True
    )
    assert entry.action == "denied"
    assert AuditEntry.objects.filter(organization=world.org, verb="approve").count() == 1


def test_another_organisations_trail_is_not_mixed_in(world):
    audit_create(world.outsider, world.foreign_project)
    audit_create(world.manager, world.project)
    assert all(e.organization_id == world.org.pk for e in audit_for(world.project))
