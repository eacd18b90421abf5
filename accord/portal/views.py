from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accord.crm.selectors import can_manage_client_access, contact_list, with_portal_status
from accord.projects.models import TaskStatus
from accord.projects.selectors import progress_percent, project_list
from accord.tenancy.access import (
    contact_for_user,
    portal_project_for_user,
    portal_projects,
    portal_required,
    team_required,
)
from accord.tenancy.middleware import SESSION_ORG_KEY
from accord.tenancy.models import Invitation, Membership

from . import services
from .models import SignInLink


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# --- pages -----------------------------------------------------------------------------------


@portal_required
def home(request):
    member = request.membership
    projects = list(project_list(portal_projects(member)).order_by("-start_date", "id")[:100])
    waiting = services.decisions_waiting(member, [p.pk for p in projects])
    for project in projects:
        project.progress = progress_percent(project.tasks_done, project.tasks_total)
        project.decisions_waiting = waiting.get(project.pk, 0)
    context = {"projects": projects}
    contact = request.portal_contact
    if not projects and contact is not None:
        # Nothing shared yet: name who can share a project, and tell them (once).
        context["ask"] = services.portal_helpers(contact)
        services.portal_unshared_signin(member=member, contact=contact)
    return render(request, "portal/home.html", context)


@portal_required
def project(request, pk):
    project = portal_project_for_user(request.membership, pk)
    counts = project_list(portal_projects(request.membership).filter(pk=project.pk)).values(
        "tasks_done", "tasks_total"
    )[0]
    milestones = project.milestones.filter(client_visible=True).order_by("due_date", "id")
    tasks = project.tasks.filter(client_visible=True).order_by("status", "due_date", "id")
    return render(
        request,
        "portal/project.html",
        {
            "project": project,
            "portal_tab": "overview",
            "progress": progress_percent(counts["tasks_done"], counts["tasks_total"]),
            "milestones": milestones,
            "tasks": tasks,
            "task_done": TaskStatus.DONE,
            "decisions_waiting": services.decisions_waiting(request.membership, [project.pk]).get(
                project.pk, 0
            ),
        },
    )


@portal_required
def logo(request):
    organization = request.membership.organization
    if not organization.logo:
        raise Http404
    try:
        handle = organization.logo.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- one-time sign-in links ------------------------------------------------------------------


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


@require_http_methods(["GET", "POST"])
def link_request(request):
    form = LinkRequestForm(request.POST or None)
    context = {"form": form, "minutes": services.LINK_MINUTES}
    if request.method == "POST" and form.is_valid():
        try:
            services.signin_link_request(email=form.cleaned_data["email"], ip=_client_ip(request))
        except services.RateLimited:
            return render(request, "portal/link_request.html", {**context, "limited": True}, status=429)
        # The same answer whether or not the address has an account.
        return render(request, "portal/link_request.html", {**context, "sent": True})
    return render(
        request, "portal/link_request.html", context, status=422 if request.method == "POST" else 200
    )


def _refused(request, message: str, status: int):
    return render(request, "portal/link_refused.html", {"message": message}, status=status)


@require_http_methods(["GET", "POST"])
def link_signin(request, token):
    link: SignInLink | None = services.signin_link_by_token(token)
    if link is None:
        return _refused(request, _("This sign-in link is not valid. Ask for a new one."), 404)
    if request.method == "GET" and link.is_usable:
        # A confirmation step: mail scanners that open links must not use them up.
        return render(
            request, "portal/link_signin.html", {"link": link, "brand_name": link.organization.name}
        )
    try:
        link = services.signin_link_use(raw=token, ip=_client_ip(request))
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages), 410)
    login(request, link.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ORG_KEY] = link.organization_id
    return redirect("portal:home")


# --- inviting contacts (team side) -----------------------------------------------------------


@team_required
@require_http_methods(["GET", "POST"])
def invite_contact(request, pk):
    member = request.membership
    contact = contact_for_user(member, pk)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    has_account = bool(
        contact.portal_user_id
        and Membership.objects.filter(
            organization_id=contact.organization_id, user_id=contact.portal_user_id, is_active=True
        ).exists()
    )
    pending = (
        Invitation.objects.filter(
            organization_id=member.organization_id, contact=contact, accepted_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
    can_invite = can_manage_client_access(member, contact.client)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.contact_invite(actor=member, contact=contact)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 422
        except PermissionDenied as exc:
            error, status = str(exc) or services.invite_refusal(), 403
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": contact.email})
            return redirect(next_url or request.path)
    return render(
        request,
        "portal/invite_contact.html",
        {
            "contact": contact,
            "has_account": has_account,
            "pending": pending,
            "error": error,
            "next": next_url,
            "can_invite": can_invite,
            "invite_refusal": services.invite_refusal(),
        },
        status=status,
    )


CONTACTS_PER_PAGE = 50


@team_required
def client_contacts(request):
    """Client contacts with their portal status and invite buttons (a section of the People page,
    loaded with HTMX; a page of its own without it)."""
    member = request.membership
    contacts = with_portal_status(
        contact_list(member.organization_id).filter(is_active=True).select_related("client")
    ).order_by("client__name", "last_name", "first_name", "id")
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    partial = bool(request.htmx)
    return render(
        request,
        "portal/partials/client_contacts.html" if partial else "portal/client_contacts.html",
        {
            "page": page,
            "partial": partial,
            "nav_active": "members",
            # Invite buttons come back to the page the list is shown on.
            "portal_next": reverse("tenancy:members") if partial else request.get_full_path(),
        },
    )
