"""Web pages of the communication hub: thin — access, form, one service call, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accord.core import events as event_catalogue
from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors, form_page
from accord.crm.models import Client, ContactRole
from accord.tenancy.access import (
    admin_required,
    can_manage_project,
    org_get,
    org_get_for_admin,
    project_for_user,
    project_object_for_user,
    projects_for_user,
    team_required,
)

from . import compose, inbound, selectors, services, webhooks
from .forms import (
    ChannelConfigForm,
    ObligationSendForm,
    PlanCopyForm,
    PlanItemForm,
    ReminderPreferenceForm,
    ResponsibilityForm,
    TickForm,
    TriageAssignForm,
    WebhookSubscriptionForm,
)
from .models import (
    ChannelConfig,
    ChannelKind,
    DeliveryCircuit,
    InboundAttachment,
    InboundMessage,
    InboundStatus,
    Obligation,
    OutboxMessage,
    OutboxStatus,
    PlanChannel,
    PlanItem,
    ReminderPreference,
    Responsibility,
    WebhookSubscription,
)

PAGE_SIZE = 100
PLAN_OBLIGATIONS_PER_PAGE = 20


def _form_page(request, form, *, title, back_url, submit_label=None):
    return form_page(request, form, title=title, back_url=back_url, submit_label=submit_label)


# --- the plan (a project tab) -------------------------------------------------------------


@team_required
def plan(request, pk):
    project = project_for_user(request.membership, pk)
    items = list(selectors.plan_items(project))
    roles = dict(ContactRole.choices)
    for item in items:
        item.audience_role_labels = [roles.get(r, r) for r in item.audience_roles or []]
    compliance = selectors.compliance_for_projects([project.pk]).get(project.pk)
    obligations = Paginator(
        selectors.obligation_list(projects_for_user(request.membership), view="open", project_id=project.pk),
        PLAN_OBLIGATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    available = selectors.plan_channels_available(project)
    unset = [label for value, label in PlanChannel.choices if value not in available]
    return render(
        request,
        "comms/plan.html",
        {
            "project": project,
            "tab": "plan",
            "items": items,
            "matrix": list(selectors.responsibilities(project)),
            "obligations": obligations,
            "compliance": compliance,
            "unset_channels": unset,
            "channels_available": available,
            "is_admin": request.membership.is_admin,
            "can_manage": can_manage_project(request.membership, project),
            "reply_address": services.project_reply_address(project) if items else "",
            "today": timezone.localdate(),
        },
    )


@team_required
def plan_item_create(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    form = PlanItemForm(
        request.POST or None,
        project=project,
        member=request.membership,
        initial={"owner": project.manager, "start_date": project.start_date, "interval": 1},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        contacts = data.pop("audience_contacts")
        try:
            services.plan_item_create(actor=request.membership, project=project, contacts=contacts, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The plan item was added and its obligations scheduled."))
            return redirect("comms:plan", project.pk)
    return _form_page(
        request, form, title=_("New plan item"), back_url=reverse("comms:plan", args=[project.pk])
    )


@team_required
@versioned_edit
def plan_item_edit(request, pk):
    item = project_object_for_user(request.membership, PlanItem.objects.all(), pk, manage=True)
    project = item.project
    form = PlanItemForm(
        request.POST or None,
        project=project,
        member=request.membership,
        initial=PlanItemForm.initial_for(item),
    )
    check_version(request, form, item)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        contacts = data.pop("audience_contacts")
        try:
            services.plan_item_update(actor=request.membership, item=item, contacts=contacts, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The plan item was saved."))
            return redirect("comms:plan", project.pk)
    return _form_page(request, form, title=item.purpose, back_url=reverse("comms:plan", args=[project.pk]))


@team_required
def plan_item_delete(request, pk):
    item = project_object_for_user(request.membership, PlanItem.objects.all(), pk, manage=True)
    back = reverse("comms:plan", args=[item.project_id])
    if request.method == "POST":
        services.plan_item_delete(actor=request.membership, item=item)
        messages.success(request, _("The plan item was deleted."))
        return redirect(back)
    return render(
        request,
        "web/confirm_delete.html",
        {"object": item, "back_url": back, "warning": _("Its obligations are deleted with it.")},
    )


@team_required
def responsibility_create(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    form = ResponsibilityForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.responsibility_create(actor=request.membership, project=project, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("comms:plan", project.pk)
    return _form_page(
        request, form, title=_("Who looks after whom"), back_url=reverse("comms:plan", args=[project.pk])
    )


@team_required
@require_POST
def responsibility_delete(request, pk):
    row = project_object_for_user(request.membership, Responsibility.objects.all(), pk)
    services.responsibility_delete(actor=request.membership, row=row)
    return redirect("comms:plan", row.project_id)


@team_required
def plan_copy(request, pk):
    project = project_for_user(request.membership, pk, manage=True)
    sources = projects_for_user(request.membership).exclude(pk=project.pk).order_by("name")
    form = PlanCopyForm(request.POST or None, projects=sources)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.plan_copy(
                actor=request.membership, source=form.cleaned_data["source"], target=project
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(n)d plan items were copied.") % {"n": count})
            return redirect("comms:plan", project.pk)
    return _form_page(
        request,
        form,
        title=_("Copy a plan from another project"),
        back_url=reverse("comms:plan", args=[project.pk]),
        submit_label=_("Copy"),
    )


# --- obligations ---------------------------------------------------------------------------------


def _int_or_none(value):
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


@team_required
def obligations(request):
    view = request.GET.get("view", "week")
    if view not in ("week", "overdue", "open", "all"):
        view = "week"
    projects = projects_for_user(request.membership)
    project_id = _int_or_none(request.GET.get("project"))
    client_id = _int_or_none(request.GET.get("client"))
    rows = list(
        selectors.obligation_list(projects, view=view, project_id=project_id, client_id=client_id)[:PAGE_SIZE]
    )
    return render(
        request,
        "comms/obligations.html",
        {
            "rows": rows,
            "view": view,
            "nav_active": "communication",
            "project_id": project_id,
            "client_id": client_id,
            "today": timezone.localdate(),
        },
    )


@team_required
def client_obligations(request, pk):
    client = org_get(request.membership, Client.objects.all(), pk)
    projects = projects_for_user(request.membership)
    rows = list(selectors.obligation_list(projects, view="all", client_id=client.pk)[:PAGE_SIZE])
    compliance = selectors.compliance_for_clients([client.pk]).get(client.pk)
    return render(
        request,
        "comms/client_obligations.html",
        {
            "client": client,
            "rows": rows,
            "compliance": compliance,
            "nav_active": "communication",
            "today": timezone.localdate(),
        },
    )


@team_required
def obligation_tick(request, pk):
    obligation = project_object_for_user(
        request.membership, Obligation.objects.select_related("plan_item"), pk, manage=True
    )
    form = TickForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.obligation_tick(
                actor=request.membership, obligation=obligation, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Marked as met."))
            return redirect("comms:plan", obligation.project_id)
    title = _("Mark “%(purpose)s” due %(due)s as met") % {
        "purpose": obligation.plan_item.purpose,
        "due": obligation.due_date,
    }
    return _form_page(
        request, form, title=title, back_url=reverse("comms:plan", args=[obligation.project_id])
    )


@team_required
def obligation_send(request, pk):
    """Send what the obligation asks for, drafted from its plan item; met on delivery."""
    obligation = project_object_for_user(
        request.membership, Obligation.objects.select_related("plan_item", "project__client"), pk, write=True
    )
    back_url = reverse("comms:plan", args=[obligation.project_id])
    if obligation.channel not in compose.SENDABLE_CHANNELS:
        messages.info(request, _("Log the call or meeting as an interaction: it meets the obligation."))
        return redirect(back_url)
    audience = compose.audience(obligation)
    channels = compose.channel_choices(obligation)
    form = ObligationSendForm(
        request.POST or None,
        obligation=obligation,
        audience=audience,
        channels=channels,
        initial={**compose.draft(obligation), "contacts": [str(c.pk) for c in audience if c.email]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            compose.obligation_send(
                actor=request.membership,
                obligation=obligation,
                subject=data["subject"],
                body=data["body"],
                contact_ids=data.get("contacts") or (),
                channel_config=data.get("channel_config"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Queued for sending. The obligation is met once it is delivered."))
            return redirect(back_url)
    return render(
        request,
        "comms/obligation_send.html",
        {
            "form": form,
            "obligation": obligation,
            "without_email": [c for c in audience if not c.email],
            "no_channel": obligation.channel != "email" and not channels.exists(),
            "back_url": back_url,
            "nav_active": "communication",
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@team_required
def preferences(request):
    pref = ReminderPreference.objects.filter(
        organization_id=request.membership.organization_id, user=request.user
    ).first()
    initial = {
        "channel_config": pref.channel_config if pref else None,
        "mention": pref.mention if pref else "",
    }
    form = ReminderPreferenceForm(
        request.POST or None, organization_id=request.membership.organization_id, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_preference_set(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("comms:obligations")
    return _form_page(
        request, form, title=_("How I get plan reminders"), back_url=reverse("comms:obligations")
    )


# --- channels (admin) ------------------------------------------------------------------------------


@admin_required
def channels(request):
    from accord.core.hooks import delivery_paused

    rows = list(selectors.channel_list(request.membership))
    return render(
        request,
        "comms/channels.html",
        {
            "rows": rows,
            "nav_active": "communication",
            "base_url": request.build_absolute_uri("/")[:-1],
            "delivery_paused": delivery_paused(),
        },
    )


@admin_required
def channel_create(request):
    form = ChannelConfigForm(request.POST or None, organization=request.membership.organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_config_create(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The channel was added."))
            return redirect("comms:channels")
    return _form_page(request, form, title=_("New channel"), back_url=reverse("comms:channels"))


@team_required
@versioned_edit
def channel_edit(request, pk):
    config = org_get_for_admin(request.membership, ChannelConfig.objects.all(), pk)
    form = ChannelConfigForm(
        request.POST or None,
        organization=request.membership.organization,
        initial=ChannelConfigForm.initial_for(config),
    )
    check_version(request, form, config)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_config_update(actor=request.membership, config=config, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The channel was saved."))
            return redirect("comms:channels")
    return _form_page(request, form, title=config.name, back_url=reverse("comms:channels"))


@team_required
def channel_delete(request, pk):
    config = org_get_for_admin(request.membership, ChannelConfig.objects.all(), pk)
    if request.method == "POST":
        services.channel_config_delete(actor=request.membership, config=config)
        return redirect("comms:channels")
    return render(
        request, "web/confirm_delete.html", {"object": config, "back_url": reverse("comms:channels")}
    )


@team_required
@require_POST
def channel_test(request, pk):
    config = org_get_for_admin(request.membership, ChannelConfig.objects.all(), pk)
    message = services.channel_config_test(actor=request.membership, config=config)
    messages.success(request, _("A test message was queued; its delivery shows in the outbox."))
    return redirect("comms:outbox_detail", message.pk)


# --- outbox (admin) ------------------------------------------------------------------------------


@admin_required
def outbox(request):
    status = request.GET.get("status", "")
    if status not in OutboxStatus.values:
        status = ""
    rows = list(selectors.outbox_list(request.membership, status=status)[:PAGE_SIZE])
    circuits = list(selectors.circuit_list(request.membership))
    return render(
        request,
        "comms/outbox.html",
        {
            "rows": rows,
            "circuits": circuits,
            "status": status,
            "statuses": OutboxStatus.choices,
            "nav_active": "communication",
        },
    )


@team_required
@require_POST
def outbox_channel_retry(request, pk):
    """Retry every failed message of one delivery route (admins)."""
    circuit = org_get_for_admin(request.membership, DeliveryCircuit.objects.all(), pk)
    count = services.delivery_circuit_retry(actor=request.membership, circuit=circuit)
    messages.success(
        request,
        ngettext(
            "%(count)d message of %(channel)s will be sent again now.",
            "%(count)d messages of %(channel)s will be sent again now.",
            count,
        )
        % {"count": count, "channel": circuit.label},
    )
    return redirect("comms:outbox")


@team_required
def outbox_detail(request, pk):
    message = org_get_for_admin(request.membership, OutboxMessage.objects.all(), pk)
    return render(request, "comms/outbox_detail.html", {"message": message, "nav_active": "communication"})


@team_required
@require_POST
def outbox_retry(request, pk):
    message = org_get_for_admin(request.membership, OutboxMessage.objects.all(), pk)
    try:
        services.outbox_retry(actor=request.membership, message=message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The message will be sent again now."))
    return redirect("comms:outbox_detail", message.pk)


# --- event webhooks (admin) ---------------------------------------------------------------------


@admin_required
def webhooks_list(request):
    rows = list(selectors.subscription_list(request.membership))
    return render(
        request,
        "comms/webhooks.html",
        {
            "rows": rows,
            "nav_active": "communication",
            "events": services.KNOWN_EVENTS,
            "catalogue": [
                (event, json.dumps(event.schema(), indent=2, ensure_ascii=False))
                for event in event_catalogue.EVENTS.values()
            ],
        },
    )


@admin_required
def webhook_create(request):
    form = WebhookSubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("is_active", None)
        try:
            sub, secret = services.webhook_subscription_create(actor=request.membership, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return render(request, "comms/webhook_secret.html", {"sub": sub, "secret": secret})
    return _form_page(request, form, title=_("New webhook subscription"), back_url=reverse("comms:webhooks"))


@team_required
@versioned_edit
def webhook_edit(request, pk):
    sub = org_get_for_admin(request.membership, WebhookSubscription.objects.all(), pk)
    form = WebhookSubscriptionForm(
        request.POST or None,
        initial={
            "url": sub.url,
            "description": sub.description,
            "events": sub.events,
            "is_active": sub.is_active,
        },
    )
    check_version(request, form, sub)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_subscription_update(actor=request.membership, sub=sub, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("comms:webhooks")
    return _form_page(request, form, title=sub.url, back_url=reverse("comms:webhooks"))


@team_required
def webhook_delete(request, pk):
    sub = org_get_for_admin(request.membership, WebhookSubscription.objects.all(), pk)
    if request.method == "POST":
        services.webhook_subscription_delete(actor=request.membership, sub=sub)
        return redirect("comms:webhooks")
    return render(request, "web/confirm_delete.html", {"object": sub, "back_url": reverse("comms:webhooks")})


# --- inbox and triage --------------------------------------------------------------------------


@team_required
def inbox(request):
    status = request.GET.get("status", InboundStatus.TRIAGE)
    if status not in InboundStatus.values:
        status = InboundStatus.TRIAGE
    rows = list(selectors.inbound_list(request.membership.organization_id, status=status)[:PAGE_SIZE])
    return render(
        request,
        "comms/inbox.html",
        {"rows": rows, "status": status, "statuses": InboundStatus.choices, "nav_active": "communication"},
    )


@team_required
@versioned_edit
def inbox_detail(request, pk):
    message = org_get(request.membership, InboundMessage.objects.select_related("client", "interaction"), pk)
    form = TriageAssignForm(request.POST or None, organization_id=request.membership.organization_id)
    check_version(request, form, message)
    if request.method == "POST" and form.is_valid():
        try:
            inbound.triage_assign(actor=request.membership, inbound=message, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The message is now on the client's timeline."))
            return redirect("comms:inbox")
    return render(
        request,
        "comms/inbox_detail.html",
        {
            "message": message,
            "form": form,
            "attachments": list(message.attachments.all()),
            "nav_active": "communication",
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@team_required
@require_POST
def inbox_discard(request, pk):
    message = org_get(request.membership, InboundMessage.objects.all(), pk)
    try:
        inbound.triage_discard(actor=request.membership, inbound=message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("comms:inbox")


@team_required
def attachment_download(request, pk):
    att = org_get(request.membership, InboundAttachment.objects.select_related("message"), pk)
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=att.filename,
        content_type=att.mimetype or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- inbound IM callbacks -----------------------------------------------------------------------


@csrf_exempt
@require_POST
def inbound_hook(request, token):
    """Slack events, Feishu events and DingTalk outgoing-robot callbacks, verified by signature."""
    config = (
        ChannelConfig.objects.filter(inbound_token=token, is_active=True)
        .select_related("project__client")
        .first()
    )
    if config is None or not token:
        raise Http404
    body = request.body
    secret = config.inbound_secret
    if config.kind == ChannelKind.SLACK:
        if not webhooks.verify_slack(secret, request.headers, body):
            raise PermissionDenied
    elif config.kind == ChannelKind.FEISHU:
        if not webhooks.verify_feishu(secret, request.headers, body):
            raise PermissionDenied
    elif config.kind == ChannelKind.DINGTALK:
        if not webhooks.verify_dingtalk(secret, request.headers, body):
            raise PermissionDenied
    else:
        raise Http404
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return HttpResponseBadRequest("invalid JSON")
    if not isinstance(data, dict):
        return HttpResponseBadRequest("invalid JSON")
    if config.kind == ChannelKind.FEISHU and isinstance(data.get("encrypt"), str):
        try:
            data = json.loads(webhooks.feishu_decrypt(secret, data["encrypt"]))
        except (ValueError, TypeError):
            return HttpResponseBadRequest("cannot decrypt")
        if not isinstance(data, dict):
            return HttpResponseBadRequest("invalid JSON")
    if data.get("type") == "url_verification" and "challenge" in data:
        return JsonResponse({"challenge": str(data["challenge"])})
    parsed = _im_fields(config.kind, data)
    if parsed is not None:
        inbound.im_ingest(config=config, **parsed)
    return HttpResponse("ok") if config.kind == ChannelKind.SLACK else JsonResponse({"code": 0, "msg": "ok"})


def _im_fields(kind: str, data: dict) -> dict | None:
    def text(value) -> str:
        return value if isinstance(value, str) else ""

    if kind == ChannelKind.SLACK:
        event = data.get("event") if isinstance(data.get("event"), dict) else {}
        if data.get("type") != "event_callback" or event.get("type") != "message" or event.get("subtype"):
            return None
        return {
            "message_id": text(data.get("event_id")) or text(event.get("ts")),
            "sender_id": text(event.get("user")),
            "sender_name": "",
            "text": text(event.get("text")),
        }
    if kind == ChannelKind.FEISHU:
        event = data.get("event") if isinstance(data.get("event"), dict) else {}
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
        sender_ids = sender.get("sender_id") if isinstance(sender.get("sender_id"), dict) else {}
        try:
            content = json.loads(text(message.get("content")) or "{}")
        except ValueError:
            content = {}
        body = content.get("text", "") if isinstance(content, dict) else ""
        if not message:
            return None
        return {
            "message_id": text(message.get("message_id")),
            "sender_id": text(sender_ids.get("user_id")) or text(sender_ids.get("open_id")),
            "sender_name": "",
            "text": text(body),
        }
    if kind == ChannelKind.DINGTALK:
        content = data.get("text") if isinstance(data.get("text"), dict) else {}
        if not content:
            return None
        return {
            "message_id": text(data.get("msgId")),
            "sender_id": text(data.get("senderStaffId")) or text(data.get("senderId")),
            "sender_name": text(data.get("senderNick")),
            "text": text(content.get("content")),
        }
    return None
