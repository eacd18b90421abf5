"""Fetching what hangs off a project for a portal user: their projects only, else 404."""

from __future__ import annotations

from django.db.models import QuerySet

from accord.tenancy.access import org_get, portal_project_for_user


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
