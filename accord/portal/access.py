"""The client portal's guard and its object fetch: a signed-in client contact, their projects
only, else 404."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import redirect

from accord.tenancy.access import org_get, portal_contact, portal_project_for_user


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
