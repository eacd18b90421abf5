"""What the first-day guide shows: the steps a new team takes to set Accord up, each ticked from
the organisation's own data."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.audit.models import AuditAction, AuditEntry
from accord.comms.models import ChannelConfig, PlanItem
from accord.crm.models import Client, Contact
from accord.reports.models import ReportStatus, StatusReport
from accord.tenancy.access import projects_for_user
from accord.tenancy.members import team_members
from accord.tenancy.models import Invitation, Membership, Organization


@dataclass(frozen=True)
class Step:
    key: str
    title: object  # a lazy translation
    text: object
    done: bool
    url: str  # "" when only an administrator may take the step
    action: object
    extra_url: str = ""
    extra_action: object = ""


def first_day_steps(member: Membership) -> list[Step]:
    """The setup steps in order, each done or not for ``member``'s organisation, with where to go."""
    org_id = member.organization_id
    admin = member.is_admin
    first_client = Client.objects.filter(organization_id=org_id).order_by("id").first()
    has_contact = Contact.objects.filter(organization_id=org_id).exists()
    first_project = projects_for_user(member).order_by("id").first()
    settings_changed = AuditEntry.objects.filter(
        organization_id=org_id,
        content_type=ContentType.objects.get_for_model(Organization),
        object_id=str(org_id),
        action=AuditAction.UPDATE,
    ).exists()
    team_joined = team_members(org_id)
    team_invited = Invitation.objects.filter(organization_id=org_id, contact__isnull=True)
    portal_people = Contact.objects.filter(organization_id=org_id, portal_user__isnull=False)
    portal_invited = Invitation.objects.filter(organization_id=org_id, contact__isnull=False)

    if first_client is None:
        client_url, client_action = reverse("crm:client_create"), _("Add a client")
    elif not has_contact:
        client_url, client_action = reverse("crm:contact_create", args=[first_client.pk]), _("Add a contact")
    else:
        client_url, client_action = reverse("crm:client_list"), _("Open the clients")

    def on_project(url_name: str, action) -> tuple[str, object]:
        # Steps that happen on a project lead to the first one, or to making one.
        if first_project is None:
            return reverse("projects:create"), _("Create a project first")
        return reverse(url_name, args=[first_project.pk]), action

    plan_url, plan_action = on_project("comms:plan", _("Open the communication plan"))
    report_url, report_action = on_project("reports:list", _("Open the status reports"))
    return [
        Step(
            "organization",
            _("Organisation settings"),
            _("Set your organisation's name, language, time zone, currency, colour and logo."),
            settings_changed,
            reverse("tenancy:organization") if admin else "",
            _("Open the settings"),
        ),
        Step(
            "members",
            _("Invite your team"),
            _("Invite the people who deliver projects with you, each with the role they need."),
            team_joined.count() > 1 or team_invited.exists(),
            reverse("tenancy:members") if admin else "",
            _("Invite members"),
        ),
        Step(
            "clients",
            _("Add a client and its contacts"),
            _("A client is the company you serve; its contacts are the people you talk to."),
            first_client is not None and has_contact,
            client_url,
            client_action,
        ),
        Step(
            "project",
            _("Create a project"),
            _("Start from scratch, or from a template that brings its milestones, tasks and plan."),
            first_project is not None,
            reverse("projects:create"),
            _("New project"),
            reverse("playbooks:list"),
            _("Start from a template"),
        ),
        Step(
            "plan",
            _("Plan the communication"),
            _("Say who on the client's side hears what from you, how and how often."),
            PlanItem.objects.filter(organization_id=org_id).exists(),
            plan_url,
            plan_action,
        ),
        Step(
            "channels",
            _("Set up channels"),
            _("Connect your own mail server or a messaging tool to send client updates through."),
            ChannelConfig.objects.filter(organization_id=org_id).exists(),
            reverse("comms:channels") if admin else "",
            _("Set up channels"),
        ),
        Step(
            "portal",
            _("Invite clients to the portal"),
            _("Client contacts follow their projects, reports and decisions in the portal."),
            portal_people.exists() or portal_invited.exists(),
            reverse("portal:client_contacts"),
            _("Invite contacts"),
        ),
        Step(
            "report",
            _("Publish the first status report"),
            _("Accord drafts it from the project's data; you review it and publish it to the client."),
            StatusReport.objects.filter(organization_id=org_id, status=ReportStatus.PUBLISHED).exists(),
            report_url,
            report_action,
        ),
    ]
