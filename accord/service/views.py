from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors, form_page
from accord.tenancy.access import (
    admin_required,
    can_write_project,
    in_visible_projects,
    org_get,
    org_get_for_admin,
    portal_object_for_user,
    portal_project_for_user,
    portal_required,
    project_for_user,
    project_object_for_user,
    projects_for_user,
    team_required,
)

from . import mail as support_mail
from . import selectors, services
from .forms import (
    MailAddForm,
    MailOpenForm,
    MoveForm,
    PortalSupportRequestForm,
    ReplyForm,
    SupportMailboxForm,
    SupportRequestForm,
    SupportUpdateForm,
    TeamReplyForm,
    TrainingFeedbackForm,
    TrainingMaterialForm,
    TrainingSessionForm,
)
from .models import (
    OPEN_STATUSES,
    MailState,
    Priority,
    RequestStatus,
    SupportAttachment,
    SupportMail,
    SupportMailbox,
    SupportRequest,
    TrainingMaterial,
    TrainingSession,
)

LIST_LIMIT = 200


def _download(obj, filename: str, content_type: str):
    if not obj.file:
        raise Http404
    try:
        handle = obj.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- team: support requests ------------------------------------------------------------------


@team_required
def queue(request):
    member = request.membership
    requests = in_visible_projects(SupportRequest.objects.all(), member)
    # "unresolved" (the default) is every open status at once; "open" is the one status.
    state = request.GET.get("state", "unresolved")
    if state == "unresolved":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif state in RequestStatus.values:
        requests = requests.filter(status=state)
    priority = request.GET.get("priority", "")
    if priority in Priority.values:
        requests = requests.filter(priority=priority)
    if request.GET.get("breached"):
        requests = requests.filter(
            Q(first_response_at__isnull=True, first_response_due_at__lt=timezone.now())
            | Q(first_response_at__gt=F("first_response_due_at"))
        )
    rows = list(selectors.support_request_list(requests).order_by("first_response_due_at", "id")[:LIST_LIMIT])
    return render(
        request,
        "service/queue.html",
        {
            "requests": rows,
            "state": state,
            "priority": priority,
            "statuses": RequestStatus.choices,
            "priorities": Priority.choices,
            "nav_active": "support",
        },
    )


@team_required
def project_support(request, pk):
    project = project_for_user(request.membership, pk)
    requests = list(
        selectors.support_request_list(project.support_requests.all()).order_by("-created_at", "-id")[
            :LIST_LIMIT
        ]
    )
    sessions = list(
        selectors.training_session_list(project.training_sessions.all()).order_by("-starts_at", "-id")
    )
    return render(
        request,
        "service/project_support.html",
        {
            "project": project,
            "tab": "support",
            "requests": requests,
            "sessions": sessions,
            "can_write": can_write_project(request.membership, project),
        },
    )


@team_required
@require_http_methods(["GET", "POST"])
def request_create(request, pk):
    member = request.membership
    project = project_for_user(member, pk, write=True)
    form = SupportRequestForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.support_request_create(
                actor=member,
                project=project,
                title=data["title"],
                description=data["description"],
                priority=data["priority"],
                contact=data.get("contact"),
                files=data.get("files") or [],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Support request raised."))
            return redirect("service:request_detail", created.pk)
    return form_page(request, form, title=_("New support request"), back_url=project_support_url(project))


def project_support_url(project) -> str:
    from django.urls import reverse

    return reverse("service:project_support", args=[project.pk])


@team_required
def request_detail(request, pk):
    member = request.membership
    support = project_object_for_user(
        member,
        SupportRequest.objects.select_related("project__client", "contact", "assignee", "created_by"),
        pk,
    )
    return _team_detail(request, support, TeamReplyForm(), None)


def _team_detail(request, support, reply_form, update_form, status=200, move_form=None):
    member = request.membership
    if update_form is None:
        update_form = SupportUpdateForm(
            organization_id=member.organization_id,
            initial={"status": support.status, "priority": support.priority, "assignee": support.assignee_id},
        )
    return render(
        request,
        "service/request_detail.html",
        {
            "support": support,
            "project": support.project,
            "replies": selectors.support_replies(support),
            "attachments": selectors.support_attachments(support),
            "reply_form": reply_form,
            "update_form": update_form,
            "move_form": move_form or MoveForm(request=support),
            "mails": selectors.support_mails(support),
            "can_write": can_write_project(member, support.project),
            "history": audit_for(support)[:50],
        },
        status=status,
    )


@team_required
@require_POST
def request_reply(request, pk):
    member = request.membership
    support = project_object_for_user(member, SupportRequest.objects.all(), pk, write=True)
    form = TeamReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.support_reply_add(
                actor=member,
                request=support,
                body=form.cleaned_data["body"],
                internal=form.cleaned_data["internal"],
                files=form.cleaned_data.get("files") or [],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Reply added."))
            return redirect("service:request_detail", support.pk)
    return _team_detail(request, support, form, None, status=422)


@team_required
@require_POST
def request_update(request, pk):
    member = request.membership
    support = project_object_for_user(member, SupportRequest.objects.all(), pk, write=True)
    form = SupportUpdateForm(request.POST, organization_id=member.organization_id)
    if form.is_valid():
        try:
            services.support_request_update(
                actor=member,
                request=support,
                status=form.cleaned_data["status"],
                priority=form.cleaned_data["priority"],
                assignee=form.cleaned_data["assignee"],
                assignee_set=True,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The support request was updated."))
            return redirect("service:request_detail", support.pk)
    return _team_detail(request, support, TeamReplyForm(), form, status=422)


@team_required
@require_POST
def request_move(request, pk):
    member = request.membership
    support = project_object_for_user(
        member, SupportRequest.objects.select_related("project"), pk, write=True
    )
    form = MoveForm(request.POST, request=support)
    if form.is_valid():
        target = form.cleaned_data["project"]
        if not projects_for_user(member).filter(pk=target.pk).exists() or not can_write_project(
            member, target
        ):
            form.add_error("project", _("You are not on that project."))
        else:
            try:
                services.support_request_move(actor=member, request=support, project=target)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The request is now on %(project)s.") % {"project": target})
                return redirect("service:request_detail", support.pk)
    return _team_detail(request, support, TeamReplyForm(), None, status=422, move_form=form)


# --- team: support by e-mail -----------------------------------------------------------------


def _writable_projects(member):
    projects = projects_for_user(member)
    if member.is_admin:
        return projects
    return projects.filter(Q(manager_id=member.user_id) | Q(team=member.user_id)).distinct()


@team_required
def mail_queue(request):
    member = request.membership
    rows = list(selectors.unmatched_mail_list(member.organization_id)[:LIST_LIMIT])
    return render(
        request,
        "service/mail_queue.html",
        {
            "rows": rows,
            "mailboxes": list(
                SupportMailbox.objects.filter(
                    organization_id=member.organization_id, is_active=True, verified_at__isnull=False
                )
            ),
            "nav_active": "support",
        },
    )


def _mail_for(member, pk) -> SupportMail:
    return org_get(
        member,
        SupportMail.objects.filter(direction="in").select_related(
            "inbound", "mailbox", "project", "refers_to"
        ),
        pk,
    )


def _mail_page(request, mail, open_form=None, add_form=None, status=200):
    member = request.membership
    initial_open = {"project": mail.project_id}
    if mail.mailbox_id:
        initial_open["priority"] = mail.mailbox.priority
    return render(
        request,
        "service/mail_detail.html",
        {
            "mail": mail,
            "inbound": mail.inbound,
            "attachments": list(mail.inbound.attachments.all()) if mail.inbound_id else [],
            "open_form": open_form or MailOpenForm(projects=_writable_projects(member), initial=initial_open),
            "add_form": add_form or MailAddForm(initial={"request": mail.refers_to_id}),
            "waiting": mail.state == MailState.UNMATCHED,
            "nav_active": "support",
        },
        status=status,
    )


@team_required
def mail_detail(request, pk):
    return _mail_page(request, _mail_for(request.membership, pk))


@team_required
@require_POST
def mail_open(request, pk):
    member = request.membership
    mail = _mail_for(member, pk)
    form = MailOpenForm(request.POST, projects=_writable_projects(member))
    if form.is_valid():
        project = project_for_user(member, form.cleaned_data["project"].pk, write=True)
        try:
            created = support_mail.support_mail_open_request(
                actor=member, mail=mail, project=project, priority=form.cleaned_data["priority"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Support request #%(n)s opened from the e-mail.") % {"n": created.pk})
            return redirect("service:request_detail", created.pk)
    return _mail_page(request, mail, open_form=form, status=422)


@team_required
@require_POST
def mail_add(request, pk):
    member = request.membership
    mail = _mail_for(member, pk)
    form = MailAddForm(request.POST)
    if form.is_valid():
        target = (
            SupportRequest.objects.filter(
                organization_id=member.organization_id, pk=form.cleaned_data["request"]
            )
            .select_related("project", "contact")
            .first()
        )
        if target is None or not projects_for_user(member).filter(pk=target.project_id).exists():
            form.add_error("request", _("There is no support request with this number that you can see."))
        elif not can_write_project(member, target.project):
            form.add_error("request", _("You are not on this request's project."))
        else:
            try:
                support_mail.support_mail_add_to_request(actor=member, mail=mail, request=target)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The e-mail was added to the request."))
                return redirect("service:request_detail", target.pk)
    return _mail_page(request, mail, add_form=form, status=422)


@team_required
@require_POST
def mail_discard(request, pk):
    member = request.membership
    mail = _mail_for(member, pk)
    try:
        support_mail.support_mail_discard(actor=member, mail=mail)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("E-mail discarded."))
    return redirect("service:mail_queue")


@admin_required
@require_http_methods(["GET", "POST"])
def mailboxes(request):
    member = request.membership
    form = SupportMailboxForm(request.POST or None, organization_id=member.organization_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.support_mailbox_create(actor=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Support address added. Follow the link in the e-mail just sent to it: mail to the "
                    "address is taken once it is confirmed."
                ),
            )
            return redirect("service:mailboxes")
    rows = selectors.mailbox_list(member)
    return render(
        request,
        "service/mailboxes.html",
        {"form": form, "rows": list(rows), "nav_active": "support"},
        status=422 if form.errors else 200,
    )


@team_required
@require_POST
def mailbox_resend(request, pk):
    member = request.membership
    box = org_get_for_admin(member, SupportMailbox.objects.all(), pk)
    try:
        services.support_mailbox_resend(actor=member, mailbox=box)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("A new confirmation link was sent to %(address)s.") % {"address": box.address}
        )
    return redirect("service:mailboxes")


@require_http_methods(["GET", "POST"])
def mailbox_confirm(request, token):
    """The link mailed to a support address: whoever reads that mailbox confirms it (GET asks,
    POST confirms, so mail scanners that open links do not confirm anything)."""
    box = services.support_mailbox_for_token(token)
    if box is None:
        return render(
            request,
            "service/mailbox_confirm.html",
            {"error": services.CONFIRM_LINK_INVALID},
            status=404,
        )
    if request.method == "GET":
        return render(request, "service/mailbox_confirm.html", {"box": box})
    try:
        box = services.support_mailbox_confirm(raw=token)
    except ValidationError as exc:
        return render(request, "service/mailbox_confirm.html", {"error": " ".join(exc.messages)}, status=410)
    return render(request, "service/mailbox_confirm.html", {"box": box, "confirmed": True})


@team_required
@require_POST
def mailbox_delete(request, pk):
    member = request.membership
    box = org_get_for_admin(member, SupportMailbox.objects.all(), pk)
    services.support_mailbox_delete(actor=member, mailbox=box)
    messages.success(request, _("Support address removed."))
    return redirect("service:mailboxes")


@team_required
def attachment_download(request, pk):
    attachment = _team_attachment(request.membership, pk)
    return _download(attachment, attachment.filename, attachment.content_type)


def _team_attachment(member, pk) -> SupportAttachment:
    from accord.tenancy.access import org_get

    attachment = org_get(member, SupportAttachment.objects.select_related("request"), pk)
    project_for_user(member, attachment.request.project_id)
    return attachment


# --- team: training --------------------------------------------------------------------------


@team_required
@require_http_methods(["GET", "POST"])
def training_create(request, pk):
    member = request.membership
    project = project_for_user(member, pk, write=True)
    form = TrainingSessionForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.training_session_create(
                actor=member,
                project=project,
                topic=data["topic"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                location=data["location"],
                trainer=data["trainer"],
                description=data["description"],
                attendees=data["attendees"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Training session planned."))
            return redirect("service:training_detail", session.pk)
    return form_page(request, form, title=_("New training session"), back_url=project_support_url(project))


@team_required
@require_http_methods(["GET", "POST"])
@versioned_edit
def training_edit(request, pk):
    member = request.membership
    session = project_object_for_user(member, TrainingSession.objects.all(), pk, write=True)
    form = TrainingSessionForm(request.POST or None, instance=session, project=session.project)
    check_version(request, form, session)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        attendees = data.pop("attendees")
        try:
            # The form already wrote its values onto the instance; the service validates and audits.
            fresh = TrainingSession.objects.select_related("project").get(pk=session.pk)
            services.training_session_update(actor=member, session=fresh, attendees=attendees, **data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Training session saved."))
            return redirect("service:training_detail", session.pk)
    return form_page(request, form, title=_("Edit training session"), back_url=_training_url(session))


def _training_url(session) -> str:
    from django.urls import reverse

    return reverse("service:training_detail", args=[session.pk])


@team_required
def training_detail(request, pk, material_form=None, status=200):
    member = request.membership
    session = project_object_for_user(
        member, TrainingSession.objects.select_related("project__client", "trainer"), pk
    )
    return render(
        request,
        "service/training_detail.html",
        {
            "session": session,
            "project": session.project,
            "attendees": session.attendees.all().order_by("last_name", "first_name", "id"),
            "materials": session.materials.all(),
            "feedback": session.feedback.select_related("contact").order_by("created_at", "id"),
            "material_form": material_form or TrainingMaterialForm(),
            "can_write": can_write_project(member, session.project),
            "history": audit_for(session)[:50],
        },
        status=status,
    )


@team_required
@require_POST
def training_material_add(request, pk):
    member = request.membership
    session = project_object_for_user(member, TrainingSession.objects.all(), pk, write=True)
    form = TrainingMaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.training_material_add(
                actor=member,
                session=session,
                title=form.cleaned_data["title"],
                url=form.cleaned_data.get("url") or "",
                upload=form.cleaned_data.get("file"),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Material added."))
            return redirect("service:training_detail", session.pk)
    return training_detail.__wrapped__(request, pk, material_form=form, status=422)


@team_required
def material_download(request, pk):
    from accord.tenancy.access import org_get

    material = org_get(request.membership, TrainingMaterial.objects.select_related("session"), pk)
    project_for_user(request.membership, material.session.project_id)
    return _download(material, material.filename, material.content_type)


# --- portal: support -------------------------------------------------------------------------


@portal_required
def portal_requests(request, pk):
    project = portal_project_for_user(request.membership, pk)
    rows = list(
        selectors.support_request_list(project.support_requests.all(), client_view=True).order_by(
            "-created_at", "-id"
        )[:LIST_LIMIT]
    )
    return render(
        request,
        "service/portal_requests.html",
        {"project": project, "portal_tab": "support", "requests": rows},
    )


@portal_required
@require_http_methods(["GET", "POST"])
def portal_request_create(request, pk):
    member = request.membership
    project = portal_project_for_user(member, pk)
    form = PortalSupportRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.support_request_create(
                actor=member,
                project=project,
                title=data["title"],
                description=data["description"],
                priority=data["priority"],
                files=data.get("files") or [],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            _audit_refused_upload(member, project, exc)
        else:
            messages.success(request, _("Your request was sent to the project team."))
            return redirect("service:portal_request_detail", created.pk)
    return form_page(
        request, form, project=project, portal_tab="support", template_name="service/portal_request_form.html"
    )


def _audit_refused_upload(member, project, exc: ValidationError) -> None:
    """A refused upload from the portal leaves a trace (the request itself was not saved)."""
    from accord.audit.services import audit_event

    if hasattr(exc, "error_dict") and "files" in exc.error_dict:
        audit_event(
            member.user,
            project,
            "upload_refused",
            {"reason": " ".join(exc.message_dict["files"])},
            denied=True,
        )


@portal_required
@require_http_methods(["GET", "POST"])
def portal_request_detail(request, pk):
    member = request.membership
    support = portal_object_for_user(
        member, SupportRequest.objects.select_related("project__client", "contact"), pk
    )
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.support_reply_add(
                actor=member,
                request=support,
                body=form.cleaned_data["body"],
                files=form.cleaned_data.get("files") or [],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            _audit_refused_upload(member, support.project, exc)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("service:portal_request_detail", support.pk)
    return render(
        request,
        "service/portal_request_detail.html",
        {
            "project": support.project,
            "portal_tab": "support",
            "support": support,
            "replies": selectors.support_replies(support, client_view=True),
            "attachments": selectors.support_attachments(support, client_view=True),
            "form": form,
        },
        status=422 if form.errors else 200,
    )


@portal_required
def portal_attachment_download(request, pk):
    member = request.membership
    attachment = portal_object_for_user(
        member,
        SupportAttachment.objects.filter(Q(reply__isnull=True) | Q(reply__internal=False)).select_related(
            "request"
        ),
        pk,
        project_field="request__project",
    )
    return _download(attachment, attachment.filename, attachment.content_type)


# --- portal: training ------------------------------------------------------------------------


@portal_required
def portal_training(request, pk):
    project = portal_project_for_user(request.membership, pk)
    sessions = list(
        selectors.training_session_list(project.training_sessions.all()).order_by("-starts_at", "-id")
    )
    return render(
        request,
        "service/portal_training.html",
        {"project": project, "portal_tab": "training", "sessions": sessions},
    )


@portal_required
@require_http_methods(["GET", "POST"])
def portal_training_detail(request, pk):
    member = request.membership
    session = portal_object_for_user(
        member, TrainingSession.objects.select_related("project__client", "trainer"), pk
    )
    contact = request.portal_contact
    attended = session.attendees.filter(pk=contact.pk).exists()
    mine = session.feedback.filter(contact=contact).first()
    initial = {"rating": mine.rating, "comment": mine.comment} if mine else None
    form = TrainingFeedbackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_feedback_give(
                actor=member,
                session=session,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("service:portal_training_detail", session.pk)
    return render(
        request,
        "service/portal_training_detail.html",
        {
            "project": session.project,
            "portal_tab": "training",
            "session": session,
            "materials": session.materials.all(),
            "attended": attended,
            "mine": mine,
            "form": form,
        },
        status=422 if form.errors else 200,
    )


@portal_required
def portal_material_download(request, pk):
    material = portal_object_for_user(
        request.membership,
        TrainingMaterial.objects.select_related("session"),
        pk,
        project_field="session__project",
    )
    return _download(material, material.filename, material.content_type)
