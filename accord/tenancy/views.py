import datetime as dt

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accord.audit.services import audit_for
from accord.core.concurrency import check_version, versioned_edit
from accord.core.ui import apply_service_errors
from accord.lib.money import currency_for_locale, currency_from_accept_language

from . import services
from .access import admin_required, org_get, team_required
from .account_views import start_two_factor_signin
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    InvitationForm,
    MemberRoleForm,
    OrganizationCreateForm,
    OrganizationForm,
    ProfileForm,
    SignInForm,
)
from .middleware import SESSION_ORG_KEY
from .models import ApiToken, Invitation, Membership, Organization


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "tenancy/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if user.has_two_factor:
            return start_two_factor_signin(self.request, user, self.get_success_url())
        return super().form_valid(form)


def set_language(request):
    """Switch the interface language; signed-in users keep it as their preference."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    known = ("en", "en-us", "en-gb", "zh-hans")
    if request.method == "POST" and request.user.is_authenticated and language in known:
        services.user_update_preferences(user=request.user, language=language)
    return response


@team_required
@versioned_edit
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    check_version(request, form, request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your preferences were saved."))
        return redirect("tenancy:profile")
    tokens = ApiToken.objects.filter(
        organization_id=request.membership.organization_id, user=request.user
    ).order_by("-created_at")
    memberships = request.user.memberships.filter(is_active=True).select_related("organization")
    return render(
        request,
        "tenancy/profile.html",
        {
            "form": form,
            "tokens": tokens,
            "token_form": ApiTokenForm(auto_id="id_token_%s"),
            "memberships": memberships,
        },
    )


@require_POST
@team_required
def switch_organization(request):
    membership = get_object_or_404(
        Membership, user=request.user, is_active=True, organization_id=request.POST.get("organization")
    )
    request.session[SESSION_ORG_KEY] = membership.organization_id
    return redirect("web:dashboard")


@require_POST
@team_required
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name, and choose its access and expiry from the lists."))
        return redirect("tenancy:profile")
    days = form.cleaned_data.get("expires_in_days")
    token, raw = services.api_token_create(
        membership=request.membership,
        name=form.cleaned_data["name"],
        scope=form.cleaned_data["scope"],
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    messages.success(
        request,
        _("Token “%(name)s” created. Copy it now, it is not shown again: %(raw)s")
        % {"name": token.name, "raw": raw},
    )
    return redirect("tenancy:profile")


@require_POST
@team_required
def token_revoke(request, pk):
    token = org_get(request.membership, ApiToken.objects.filter(user=request.user), pk)
    services.api_token_revoke(membership=request.membership, token=token)
    messages.success(request, _("The token was revoked."))
    return redirect("tenancy:profile")


@admin_required
def members(request):
    member = request.membership
    memberships = (
        Membership.objects.filter(organization_id=member.organization_id)
        .select_related("user")
        .order_by("role", "user__email")
    )
    invitations = (
        Invitation.objects.filter(organization_id=member.organization_id, accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                actor=member, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("tenancy:members")
    return render(
        request,
        "tenancy/members.html",
        {"memberships": memberships, "invitations": invitations, "form": form, "nav_active": "members"},
    )


@admin_required
def member_detail(request, pk):
    actor = request.membership
    target = org_get(actor, Membership.objects.select_related("user"), pk)
    can_manage = services.can_manage_membership(actor, target)
    form = MemberRoleForm(
        request.POST if request.method == "POST" else None,
        initial={"role": target.role},
        roles=services.manageable_roles(actor),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update_role(actor=actor, membership=target, role=form.cleaned_data["role"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The role was changed."))
            return redirect("tenancy:members")
    if form.errors:
        status = 422
        target.refresh_from_db()
    return render(
        request,
        "tenancy/member_detail.html",
        {"target": target, "form": form, "can_manage": can_manage, "history": audit_for(target)},
        status=status,
    )


@require_POST
@admin_required
def member_remove(request, pk):
    actor = request.membership
    target = org_get(actor, Membership.objects.select_related("user"), pk)
    try:
        services.membership_remove(actor=actor, membership=target)
    except ValidationError as exc:
        form = MemberRoleForm(initial={"role": target.role}, roles=services.manageable_roles(actor))
        return render(
            request,
            "tenancy/member_detail.html",
            {
                "target": target,
                "form": form,
                "can_manage": services.can_manage_membership(actor, target),
                "remove_error": " ".join(exc.messages),
                "history": audit_for(target),
            },
            status=422,
        )
    messages.success(request, _("%(name)s was removed from the organisation.") % {"name": target.user})
    return redirect("tenancy:members")


def accept_invitation(request, token):
    invitation = services.invitation_by_token(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "tenancy/invitation_invalid.html", status=404)
    signed_in = request.user.is_authenticated
    signed_in_as_invitee = signed_in and request.user.email.lower() == invitation.email.lower()
    # Someone else's session must not accept (nor be swapped for the invitee's): sign out first.
    other_account = request.user.email if signed_in and not signed_in_as_invitee else ""
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None, signed_in=signed_in_as_invitee
    )
    status = 200
    if request.method == "POST" and other_account:
        status = 403
    elif request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept(
                raw=token,
                full_name=form.cleaned_data.get("full_name", ""),
                password=form.cleaned_data.get("password") or None,
                user=request.user if signed_in_as_invitee else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_ORG_KEY] = membership.organization_id
            messages.success(request, _("Welcome to %(org)s.") % {"org": membership.organization.name})
            return HttpResponseRedirect(
                reverse("portal:home") if membership.is_client else reverse("web:dashboard")
            )
    if request.method == "POST" and form.errors:
        status = 422
    return render(
        request,
        "tenancy/accept_invitation.html",
        {
            "invitation": invitation,
            "form": form,
            "signed_in_as_invitee": signed_in_as_invitee,
            "other_account": other_account,
        },
        status=status,
    )


@team_required
def organization_create(request):
    """A new organisation the signed-in person owns, in their language, zone and currency."""
    initial = {}
    if request.method == "GET":
        language = translation.get_language_from_request(request)
        initial = {
            "default_language": "en-us" if language == "en" else language,
            "default_currency": currency_from_accept_language(request.headers.get("Accept-Language", ""))
            or currency_for_locale(language)
            or request.membership.organization.default_currency,
        }
    form = OrganizationCreateForm(request.POST or None, initial=initial, creator=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session[SESSION_ORG_KEY] = organization.pk
            messages.success(request, _("The organisation was created."))
            return redirect("tenancy:organization")
    return render(
        request,
        "tenancy/organization_create.html",
        {"form": form},
        status=422 if form.is_bound and form.errors else 200,
    )


@admin_required
@versioned_edit
def organization_settings(request):
    organization = request.membership.organization
    # The form works on a copy: the service compares against the saved settings (its audit entry
    # and its checks see what changed) and nothing half-set stays on the request's organisation.
    edited = Organization.objects.get(pk=organization.pk)
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=edited)
    check_version(request, form, organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                actor=request.membership, organization=organization, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The organisation's settings were saved."))
            return redirect("tenancy:organization")
    organization.refresh_from_db()
    return render(
        request,
        "tenancy/organization.html",
        {
            "form": form,
            "organization": organization,
            "history": audit_for(organization),
            "nav_active": "organization",
        },
        status=422 if form.is_bound and form.errors else 200,
    )


def organization_logo(request):
    """The logo of the signed-in person's organisation (team and portal), for pages and e-mails."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.organization.logo:
        raise Http404
    return FileResponse(membership.organization.logo.open("rb"))
