"""Every view and API operation fetches objects through these helpers.

Rules, in one place:

* Another organisation's object does not exist for the caller: 404, never 403.
* Owners and admins see and change everything in their organisation.
* Managers see every project of their organisation and change those they manage or are on.
* Members see and change the projects they are on; other projects are 404 to them.
* Client contacts never use the team side; on the portal they see the projects whose
  stakeholders include their contact, and only items marked visible to the client.
* CRM records (clients, contacts, interactions) are shared by the whole team.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect

from .models import Membership, Role

M = TypeVar("M", bound=models.Model)


# --- request guards -------------------------------------------------------------------------


def team_required(view: Callable) -> Callable:
    """Signed in as a team member of an organisation; client contacts go to the portal."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = getattr(request, "membership", None)
        if membership is None:
            raise PermissionDenied
        if membership.is_client:
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    @team_required
    def wrapper(request, *args, **kwargs):
        if not request.membership.is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def require_team(member: Membership | None) -> Membership:
    if member is None or not member.is_team:
        raise PermissionDenied
    return member


def require_admin(member: Membership | None) -> Membership:
    if member is None or not member.is_admin:
        raise PermissionDenied
    return member


def require_project_manager(member: Membership | None) -> Membership:
    """May create projects and manage organisation-wide plans."""
    if member is None or not member.can_manage_projects:
        raise PermissionDenied
    return member


# --- organisation-wide records ----------------------------------------------------------------


def org_get(member: Membership, queryset: QuerySet[M], pk) -> M:
    """One row of ``queryset`` inside the member's organisation, or 404."""
    try:
        return queryset.get(organization_id=member.organization_id, pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def org_get_for_admin(member: Membership, queryset: QuerySet[M], pk) -> M:
    """Like :func:`org_get` for admin-only objects: another organisation's id is a 404 for
    everyone, and only then is a non-admin refused (403)."""
    obj = org_get(member, queryset, pk)
    require_admin(member)
    return obj


# crm's and projects' rows are looked up here, but those apps stand above tenancy: each registers
# its models in its AppConfig.ready() (accord/crm/apps.py, accord/projects/apps.py).
_MODELS: dict[str, type[models.Model]] = {}


def register_model(model: type[models.Model]) -> None:
    _MODELS[model._meta.label] = model


def client_for_user(member: Membership, pk):
    """A client of the member's organisation for any team member (reading and writing alike: the
    crm services check the rest), else 404."""
    Client = _MODELS["crm.Client"]

    require_team(member)
    return org_get(member, Client.objects.all(), pk)


def contact_for_user(member: Membership, pk):
    Contact = _MODELS["crm.Contact"]

    require_team(member)
    return org_get(member, Contact.objects.select_related("client"), pk)


def interaction_for_user(member: Membership, pk):
    Interaction = _MODELS["crm.Interaction"]

    require_team(member)
    return org_get(member, Interaction.objects.select_related("client", "project", "created_by"), pk)


# --- projects and what hangs off them --------------------------------------------------------


# The roles that see every project of their organisation.
SEE_EVERY_PROJECT = (Role.OWNER, Role.ADMIN, Role.MANAGER)


def projects_for_user(member: Membership) -> QuerySet:
    """The projects a member may see (for client contacts: their portal projects)."""
    Project = _MODELS["projects.Project"]

    qs = Project.objects.filter(organization_id=member.organization_id)
    if member.role in SEE_EVERY_PROJECT:
        return qs
    if member.role == Role.MEMBER:
        return qs.filter(Q(manager_id=member.user_id) | Q(team=member.user_id)).distinct()
    if member.role == Role.CLIENT:
        return qs.filter(contacts__portal_user_id=member.user_id).distinct()
    return qs.none()


def in_visible_projects(queryset: QuerySet, member: Membership) -> QuerySet:
    """Rows of ``queryset`` (a model with ``organization`` and ``project``) in the member's
    organisation and of the projects the member may see.

    For those who see every project the organisation is the whole condition: "project among all
    the organisation's projects" adds nothing, and made SQLite read a list's rows project by
    project and sort them all (100,000 tasks: 20 ms for a page of 50)."""
    queryset = queryset.filter(organization_id=member.organization_id)
    if member.role in SEE_EVERY_PROJECT:
        return queryset
    return queryset.filter(project__in=projects_for_user(member).values("pk"))


def can_write_project(member: Membership, project) -> bool:
    if member.role in (Role.OWNER, Role.ADMIN):
        return True
    if member.role in (Role.MANAGER, Role.MEMBER):
        return project.manager_id == member.user_id or project.team.filter(pk=member.user_id).exists()
    return False


def can_manage_project(member: Membership, project) -> bool:
    """Settings, publishing and deleting: admins and the project's manager."""
    return member.role in (Role.OWNER, Role.ADMIN) or (
        member.role == Role.MANAGER and project.manager_id == member.user_id
    )


def project_for_user(member: Membership, pk, *, write: bool = False, manage: bool = False):
    """A project of the member's organisation that they may see (404 otherwise).

    ``write`` needs them on the project (or admin); ``manage`` needs its manager (or admin).
    A project they can see but not change is a 403.
    """
    Project = _MODELS["projects.Project"]

    require_team(member)
    visible = projects_for_user(member).select_related("client", "manager")
    try:
        project = visible.get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if manage and not can_manage_project(member, project):
        raise PermissionDenied
    if write and not can_write_project(member, project):
        raise PermissionDenied
    return project


def project_object_for_user(
    member: Membership,
    queryset: QuerySet[M],
    pk,
    *,
    write: bool = False,
    manage: bool = False,
    project_field: str = "project",
) -> M:
    """An object that belongs to a project (task, risk, report …), under the project's rules."""
    obj = org_get(member, queryset.select_related(project_field), pk)
    project_for_user(member, getattr(obj, f"{project_field}_id"), write=write, manage=manage)
    return obj


def require_project_write(member: Membership | None, project) -> Membership:
    """A service's check that ``member`` may change ``project``'s records (see
    :func:`can_write_project`); the project must be of their organisation."""
    if (
        member is None
        or not member.is_team
        or member.organization_id != project.organization_id
        or not can_write_project(member, project)
    ):
        raise PermissionDenied
    return member


def require_project_manage(member: Membership | None, project) -> Membership:
    """A service's check that ``member`` may manage ``project`` (see :func:`can_manage_project`)."""
    if (
        member is None
        or not member.is_team
        or member.organization_id != project.organization_id
        or not can_manage_project(member, project)
    ):
        raise PermissionDenied
    return member


def require_project_setup(member: Membership | None, project) -> Membership:
    """A service's check for filling a project the member is creating (from a template): they may
    create projects in its organisation, whoever the project names as manager."""
    require_project_manager(member)
    if member.organization_id != project.organization_id:
        raise PermissionDenied
    return member


def membership_for(user, organization_id) -> Membership:
    """``user``'s active membership of the organisation: the actor for work done on their
    behalf outside a request (demo data, background jobs). PermissionDenied if there is none."""
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(organization_id=organization_id, user_id=getattr(user, "pk", None), is_active=True)
        .first()
    )
    if membership is None:
        raise PermissionDenied
    return membership


def portal_projects(member: Membership) -> QuerySet:
    """Projects a client contact may open in the portal."""
    if member is None or not member.is_client:
        raise PermissionDenied
    return projects_for_user(member)


def portal_project_for_user(member: Membership, pk):
    try:
        return portal_projects(member).select_related("client").get(pk=pk)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except models.ObjectDoesNotExist:
        raise Http404 from None


def portal_contact(member: Membership):
    """The client-side contact record a portal user signs in as."""
    Contact = _MODELS["crm.Contact"]

    if member is None or not member.is_client:
        raise PermissionDenied
    contact = Contact.objects.filter(
        organization_id=member.organization_id, portal_user_id=member.user_id
    ).first()
    if contact is None:
        raise PermissionDenied
    return contact


# --- the client portal: its guard and its object fetch (a signed-in client contact, their projects
# only, else 404) ---------------------------------------------------------------------------------


def portal_required(view=None, *, team=None):
    """A signed-in client contact, put on ``request.portal_contact`` (portal.middleware chose the
    language). Team members go to ``team(request, *args, **kwargs)`` when given (the team's page
    of the same thing, after its own access check), else to their dashboard."""
    if view is None:
        return lambda view: portal_required(view, team=team)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        member = getattr(request, "membership", None)
        if member is None:
            raise PermissionDenied
        if member.is_team:
            return team(request, *args, **kwargs) if team else redirect("web:dashboard")
        request.portal_contact = getattr(request, "portal_contact", None) or portal_contact(member)
        return view(request, *args, **kwargs)

    return wrapper


def portal_object_for_user(member, queryset: QuerySet, pk, *, project_field: str = "project"):
    """One row of ``queryset`` on a project the client contact may open in the portal (404 otherwise).

    Pass a queryset already narrowed to client-visible rows.
    """
    obj = org_get(member, queryset.select_related(project_field), pk)
    *path, last = project_field.split("__")
    parent = obj
    for name in path:
        parent = getattr(parent, name)
    portal_project_for_user(member, getattr(parent, f"{last}_id"))
    return obj
