from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from accord.tenancy.access import portal_projects


@login_required
def home(request):
    member = getattr(request, "membership", None)
    if member is None:
        raise PermissionDenied
    if member.is_team:
        return redirect("web:dashboard")
    projects = portal_projects(member).select_related("client").order_by("-start_date", "id")
    return render(request, "portal/home.html", {"projects": projects})
