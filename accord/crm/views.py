"""CRM pages: clients, contacts, interactions and search. Thin: access → form → service → page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.hooks import client_projects
from accord.core.search import flag_recent
from accord.core.ui import apply_service_errors, form_page
from accord.lib.dates import format_moment, week_bounds
from accord.lib.text import render_markdown
from accord.lib.urls import link_maker
from accord.tenancy.access import (
    client_for_user,
    contact_for_user,
    interaction_for_user,
    team_required,
)

from . import selectors, services
from .forms import ClientFilterForm, ClientForm, ContactForm, InteractionForm
from .models import Contact, InteractionKind, MailKind

CLIENTS_PER_PAGE = 25
# An active client not heard from for this long is flagged on the list.
STALE_AFTER_DAYS = 30
HISTORY_LIMIT = 50
PREVIEW_MAX_CHARS = 50_000


# --- clients ------------------------------------------------------------------------------------


@team_required
def client_list(request):
    member = request.membership
    filters = ClientFilterForm(request.GET or None, organization=member.organization)
    qs = selectors.client_list(member.organization_id, **filters.filters()).order_by("name", "id")
    flag_recent(request, filters.filters().get("q"))
    page = Paginator(qs, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "crm/client_list.html",
        {
            "filters": filters,
            "page": page,
            "clients": page.object_list,
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "stale_before": timezone.now() - dt.timedelta(days=STALE_AFTER_DAYS),
            "stale_days": STALE_AFTER_DAYS,
            "nav_active": "clients",
        },
    )


@require_http_methods(["GET", "POST"])
@team_required
def client_create(request):
    member = request.membership
    form = ClientForm(request.POST or None, organization=member.organization)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(actor=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Client “%(name)s” created.") % {"name": client.name})
            return redirect("crm:client_detail", client.pk)
    return form_page(
        request,
        form,
        title=_("New client"),
        back_url=reverse("crm:client_list"),
        back_label=_("Clients"),
        nav_active="clients",
    )


def _for_display(
    *, timeline=(), follow_ups=(), contacts=(), projects=(), clients=(), interactions=()
) -> None:
    """Set ``url`` on a page's interactions (and their prefetched contacts), open follow-ups,
    contacts, projects and clients, ``client_url`` on contacts and other interactions (search
    results), and ``project_url``, ``contact_rows``, ``when`` and ``when_iso`` (the time in the
    viewer's zone) on the timeline's interactions: one reverse per route instead of one per link,
    and no template date formatting per row."""
    interaction_url = link_maker("crm:interaction_detail")
    contact_url = link_maker("crm:contact_detail")
    project_url = link_maker("projects:detail")
    client_url = link_maker("crm:client_detail")
    for interaction in timeline:
        interaction.url = interaction_url(interaction.pk)
        interaction.project_url = project_url(interaction.project_id) if interaction.project_id else ""
        interaction.when = format_moment(interaction.occurred_at)
        interaction.when_iso = timezone.localtime(interaction.occurred_at).isoformat()
        interaction.contact_rows = list(interaction.contacts.all())
        for contact in interaction.contact_rows:
            contact.url = contact_url(contact.pk)
    for interaction in follow_ups:
        interaction.url = interaction_url(interaction.pk)
    for interaction in interactions:
        interaction.url = interaction_url(interaction.pk)
        interaction.client_url = client_url(interaction.client_id)
    for contact in contacts:
        contact.url, contact.client_url = contact_url(contact.pk), client_url(contact.client_id)
    for project in projects:
        project.url = project_url(project.pk)
    for client in clients:
        client.url = client_url(client.pk)


@team_required
def client_detail(request, pk):
    member = request.membership
    client = client_for_user(member, pk)
    kind = request.GET.get("kind", "")
    if kind not in InteractionKind.values:
        kind = ""
    contacts = list(
        Contact.objects.filter(organization_id=member.organization_id, client=client).order_by(
            "-is_active", "last_name", "first_name", "id"
        )
    )
    projects = client_projects(member, client)
    before = request.GET.get("before", "")
    before = int(before) if before.isdigit() and len(before) < 19 else None
    timeline, older = selectors.client_timeline(client, kind=kind, before=before)
    follow_ups = list(selectors.open_follow_ups(member.organization_id, client=client))
    _for_display(timeline=timeline, follow_ups=follow_ups, contacts=contacts, projects=projects)
    _week_start, week_end = week_bounds(timezone.localdate())
    return render(
        request,
        "crm/client_detail.html",
        {
            "client": client,
            "contacts": contacts,
            "projects": projects,
            "timeline": timeline,
            "timeline_older": older,
            "timeline_paged": before is not None,
            "kind": kind,
            "kinds": InteractionKind.choices,
            "follow_ups": follow_ups,
            "today": timezone.localdate(),
            "week_end": week_end,
            "history": audit_for(client)[:HISTORY_LIMIT],
            "can_delete": member.can_manage_projects,
            "nav_active": "clients",
        },
    )


@require_http_methods(["GET", "POST"])
@team_required
@versioned_edit
def client_edit(request, pk):
    member = request.membership
    client = client_for_user(member, pk)
    form = ClientForm(request.POST or None, instance=client, organization=member.organization)
    check_version(request, form, client)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(actor=member, client=client, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Client saved."))
            return redirect("crm:client_detail", client.pk)
    return form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": client.name},
        back_url=reverse("crm:client_detail", args=[client.pk]),
        back_label=client.name,
        nav_active="clients",
    )


@require_http_methods(["GET", "POST"])
@team_required
def client_delete(request, pk):
    member = request.membership
    client = client_for_user(member, pk)
    services.require_client_remover(member, client)
    back = reverse("crm:client_detail", args=[client.pk])
    if request.method == "POST":
        try:
            services.client_delete(actor=member, client=client)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
        messages.success(request, _("Client “%(name)s” deleted.") % {"name": client.name})
        return redirect("crm:client_list")
    return render(
        request,
        "web/confirm_delete.html",
        {
            "object": client,
            "back_url": back,
            "warning": _("Its contacts and all interactions with it are deleted too."),
            "nav_active": "clients",
        },
    )


# --- contacts -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_required
def contact_create(request, client_pk):
    member = request.membership
    client = client_for_user(member, client_pk)
    form = ContactForm(
        request.POST or None,
        initial={"language": client.language, "preferred_channel": client.preferred_channel},
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(actor=member, client=client, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Contact “%(name)s” added.") % {"name": contact.display_name})
            return redirect("crm:client_detail", client.pk)
    return form_page(
        request,
        form,
        title=_("New contact at %(client)s") % {"client": client.name},
        back_url=reverse("crm:client_detail", args=[client.pk]),
        back_label=client.name,
        nav_active="clients",
    )


@team_required
def contact_detail(request, pk):
    member = request.membership
    contact = contact_for_user(member, pk)
    interactions = list(
        selectors.interaction_list(member.organization_id)
        .filter(contacts=contact)
        .order_by("-occurred_at", "-id")[:100]
    )
    _for_display(timeline=interactions)
    return render(
        request,
        "crm/contact_detail.html",
        {
            "contact": contact,
            "client": contact.client,
            "interactions": interactions,
            "history": audit_for(contact)[:HISTORY_LIMIT],
            "opt_outs": list(contact.mail_opt_outs.order_by("kind")),
            "nav_active": "clients",
        },
    )


@require_POST
@team_required
def contact_resubscribe(request, pk):
    """Send a kind of mail the contact unsubscribed from to them again (they asked for it back)."""
    member = request.membership
    contact = contact_for_user(member, pk)
    try:
        services.contact_resubscribe(actor=member, contact=contact, kind=request.POST.get("kind", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The contact receives this kind of mail again."))
    return redirect("crm:contact_detail", contact.pk)


@csrf_exempt  # RFC 8058: mail providers POST here without a session, so without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """One-click unsubscribe from a mail's ``List-Unsubscribe`` link. GET shows a button and
    changes nothing (link checkers open links); POST with ``List-Unsubscribe=One-Click`` (the
    mail provider's request, or the button) unsubscribes. The signed token is the credential."""
    target = services.unsubscribe_target(token)
    if target is None:
        return render(request, "crm/unsubscribe.html", {"invalid": True}, status=404)
    contact, kind = target
    language = "zh-hans" if (contact.language or "").startswith("zh") else "en"
    with translation.override(language):
        context = {
            "contact": contact,
            "organization": contact.organization,
            "kind_label": MailKind(kind).label,
            "language": language,
            "done": False,
        }
        status = 200
        if request.method == "POST":
            if request.POST.get("List-Unsubscribe") == "One-Click":
                services.contact_unsubscribe(contact=contact, kind=kind)
                context["done"] = True
            else:
                status = 400
        return render(request, "crm/unsubscribe.html", context, status=status)


@require_http_methods(["GET", "POST"])
@team_required
@versioned_edit
def contact_edit(request, pk):
    member = request.membership
    contact = contact_for_user(member, pk)
    form = ContactForm(request.POST or None, instance=contact)
    check_version(request, form, contact)
    status = None  # form_page answers 422 for a form with errors
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(actor=member, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except services.IdentityChangeRefused as exc:
            form.add_error("email", str(exc))
            status = 403
        else:
            messages.success(request, _("Contact saved."))
            return redirect("crm:contact_detail", contact.pk)
    return form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": contact.display_name},
        back_url=reverse("crm:contact_detail", args=[contact.pk]),
        back_label=contact.display_name,
        nav_active="clients",
        status=status,
    )


@require_http_methods(["GET", "POST"])
@team_required
def contact_delete(request, pk):
    member = request.membership
    contact = contact_for_user(member, pk)
    if request.method == "POST":
        services.contact_delete(actor=member, contact=contact)
        messages.success(request, _("Contact “%(name)s” deleted.") % {"name": contact.display_name})
        return redirect("crm:client_detail", contact.client_id)
    return render(
        request,
        "web/confirm_delete.html",
        {
            "object": contact,
            "back_url": reverse("crm:contact_detail", args=[contact.pk]),
            "warning": _("Interactions with this person stay on the client’s timeline."),
            "nav_active": "clients",
        },
    )


# --- interactions -------------------------------------------------------------------------------


def _interaction_form_page(request, form, *, title, back_url, client):
    return form_page(
        request,
        form,
        title=title,
        back_url=back_url,
        client=client,
        nav_active="clients",
        template_name="crm/interaction_form.html",
    )


@require_http_methods(["GET", "POST"])
@team_required
def interaction_create(request, client_pk):
    member = request.membership
    client = client_for_user(member, client_pk)
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    contact_id = request.GET.get("contact")
    if contact_id and contact_id.isdigit():
        initial["contacts"] = [int(contact_id)]
    project_id = request.GET.get("project")
    if project_id and project_id.isdigit():
        initial["project"] = int(project_id)
    form = InteractionForm(request.POST or None, member=member, client=client, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            interaction = services.interaction_create(
                actor=member,
                client=client,
                contacts=form.cleaned_data["contacts"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Interaction logged."))
            return redirect("crm:interaction_detail", interaction.pk)
    return _interaction_form_page(
        request,
        form,
        title=_("Log an interaction with %(client)s") % {"client": client.name},
        back_url=reverse("crm:client_detail", args=[client.pk]),
        client=client,
    )


@team_required
def interaction_detail(request, pk):
    member = request.membership
    interaction = interaction_for_user(member, pk)
    return render(
        request,
        "crm/interaction_detail.html",
        {
            "interaction": interaction,
            "client": interaction.client,
            "contacts": list(interaction.contacts.order_by("last_name", "first_name", "id")),
            # A mail's whole text, quoted history and signature included (the body has the reply).
            "full_message": next(
                iter(interaction.inbound_messages.order_by("id").values_list("body_text", flat=True)), ""
            ),
            "history": audit_for(interaction)[:HISTORY_LIMIT],
            "nav_active": "clients",
        },
    )


@require_http_methods(["GET", "POST"])
@team_required
@versioned_edit
def interaction_edit(request, pk):
    member = request.membership
    interaction = interaction_for_user(member, pk)
    form = InteractionForm(
        request.POST or None, instance=interaction, member=member, client=interaction.client
    )
    check_version(request, form, interaction)
    if request.method == "POST" and form.is_valid():
        try:
            services.interaction_update(
                actor=member,
                interaction=interaction,
                contacts=form.cleaned_data["contacts"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Interaction saved."))
            return redirect("crm:interaction_detail", interaction.pk)
    return _interaction_form_page(
        request,
        form,
        title=_("Edit interaction"),
        back_url=reverse("crm:interaction_detail", args=[interaction.pk]),
        client=interaction.client,
    )


@require_http_methods(["GET", "POST"])
@team_required
def interaction_delete(request, pk):
    member = request.membership
    interaction = interaction_for_user(member, pk)
    if request.method == "POST":
        client_id = interaction.client_id
        services.interaction_delete(actor=member, interaction=interaction)
        messages.success(request, _("Interaction deleted."))
        return redirect("crm:client_detail", client_id)
    return render(
        request,
        "web/confirm_delete.html",
        {
            "object": interaction,
            "back_url": reverse("crm:interaction_detail", args=[interaction.pk]),
            "nav_active": "clients",
        },
    )


@require_POST
@team_required
def interaction_follow_up_done(request, pk):
    member = request.membership
    interaction = interaction_for_user(member, pk)
    try:
        services.interaction_follow_up_done(actor=member, interaction=interaction)
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(" ".join(exc.messages), status=422)
        messages.error(request, " ".join(exc.messages))
        return redirect("crm:interaction_detail", interaction.pk)
    if request.htmx:
        return render(request, "crm/partials/follow_up.html", {"interaction": interaction})
    messages.success(request, _("Follow-up marked done."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("crm:interaction_detail", args=[interaction.pk])
    return redirect(next_url)


@require_POST
@team_required
def markdown_preview(request):
    """The body of an interaction as it will be shown (sanitised), for the live preview."""
    body = request.POST.get("body", "")[:PREVIEW_MAX_CHARS]
    if not body.strip():
        return HttpResponse(format_html('<p class="muted">{}</p>', _("Nothing to preview yet.")))
    return HttpResponse(render_markdown(body))


# --- search -------------------------------------------------------------------------------------


@team_required
def search(request):
    query = request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_CHARS]
    results = selectors.search(request.membership.organization_id, query)
    flag_recent(request, query)
    total = sum(len(v) for v in results.values())
    _for_display(
        clients=results["clients"], contacts=results["contacts"], interactions=results["interactions"]
    )
    return render(
        request,
        "crm/search.html",
        {"q": query, "total": total, "limit": selectors.SEARCH_LIMIT, **results, "nav_active": "search"},
    )
