"""Pages of a person's own account: password change and reset, two-factor sign-in."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accord.core.ui import apply_service_errors

from . import account
from .access import team_required
from .clientip import client_ip
from .forms import PasswordResetRequestForm, TwoFactorCodeForm, TwoFactorDisableForm
from .models import Role

PENDING_KEY = "accord_two_factor_pending"
PENDING_SECONDS = 300


def _form_page(request, form, *, title, intro="", submit, status=None):
    if status is None:
        status = 422 if request.method == "POST" and form.is_bound and form.errors else 200
    return render(
        request,
        "tenancy/account_form.html",
        {"form": form, "title": title, "intro": intro, "submit": submit},
        status=status,
    )


def _throttled(request, exc: account.Throttled):
    response = render(request, "tenancy/throttled.html", {"retry_after": exc.retry_after}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


# --- password -------------------------------------------------------------------------------


def password_change(request):
    """Needs the current password; the other sessions of this person end, this one stays."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = account.user_set_password(user=request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed. Other devices were signed out."))
        return redirect("tenancy:password_change")
    return _form_page(request, form, title=_("Change your password"), submit=_("Change password"))


def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account.password_reset_request(email=form.cleaned_data["email"], ip=client_ip(request))
        except account.Throttled as exc:
            return _throttled(request, exc)
        return redirect("tenancy:password_reset_sent")
    return _form_page(
        request,
        form,
        title=_("Forgot your password?"),
        intro=_(
            "Enter your e-mail address. If it belongs to an account, we send a link to choose a new password."
        ),
        submit=_("Send the link"),
    )


def password_reset_sent(request):
    return render(request, "tenancy/password_reset_sent.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's single-use, time-limited link; the new password ends every session."""

    template_name = "tenancy/password_reset_confirm.html"
    success_url = reverse_lazy("tenancy:password_reset_complete")
    title = gettext_lazy("Choose a new password")

    def form_valid(self, form):
        account.user_set_password(
            user=form.user, password=form.cleaned_data["new_password1"], verb="password_reset"
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.success_url)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 422
        return response


def password_reset_complete(request):
    return render(request, "tenancy/password_reset_complete.html")


# --- two-factor sign-in ---------------------------------------------------------------------


def start_two_factor_signin(request, user, next_url: str):
    """After the password: remember who is half signed in, and ask for the code."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "at": int(time.time()),
        "next": next_url,
    }
    return redirect("tenancy:two_factor_signin")


def two_factor_signin(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return redirect("tenancy:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None or not user.has_two_factor:
        request.session.pop(PENDING_KEY, None)
        return redirect("tenancy:login")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ok = account.two_factor_verify(user=user, code=form.cleaned_data["code"])
        except account.Throttled as exc:
            request.session.pop(PENDING_KEY, None)
            return _throttled(request, exc)
        if ok:
            request.session.pop(PENDING_KEY, None)
            login(request, user, backend=pending["backend"])
            next_url = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
                next_url = reverse("web:dashboard")
            return redirect(next_url)
        form.add_error("code", _("That code is not right. Enter the 6 digits your app shows now."))
    return _form_page(
        request,
        form,
        title=_("Two-factor sign-in"),
        intro=_("Open your authenticator app and enter the code it shows for Accord."),
        submit=_("Sign in"),
    )


def _two_factor_page(request, *, form=None, disable_form=None, recovery_codes=None, status=200):
    user = request.user
    return render(
        request,
        "tenancy/two_factor.html",
        {
            "enabled": user.has_two_factor,
            "pending_secret": account.totp_for(user).secret
            if user.two_factor_secret and not user.has_two_factor
            else "",
            "otpauth_uri": account.two_factor_uri(user) if not user.has_two_factor else "",
            "form": form or TwoFactorCodeForm(),
            "disable_form": disable_form or TwoFactorDisableForm(),
            "recovery_codes": recovery_codes,
            "required": request.membership.organization.require_two_factor,
            "is_owner": request.membership.role == Role.OWNER,
        },
        status=status,
    )


@team_required
def two_factor(request):
    return _two_factor_page(request)


@require_POST
@team_required
def two_factor_setup(request):
    try:
        account.two_factor_begin(user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("tenancy:two_factor")


@require_POST
@team_required
def two_factor_confirm(request):
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        try:
            codes = account.two_factor_confirm(user=request.user, code=form.cleaned_data["code"])
        except account.Throttled as exc:
            return _throttled(request, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            request.user.refresh_from_db()
            messages.success(request, _("Two-factor sign-in is on."))
            return _two_factor_page(request, recovery_codes=codes)
    return _two_factor_page(request, form=form, status=422)


@require_POST
@team_required
def two_factor_disable(request):
    form = TwoFactorDisableForm(request.POST)
    if form.is_valid():
        try:
            account.two_factor_disable(
                user=request.user, password=form.cleaned_data["password"], code=form.cleaned_data["code"]
            )
        except account.Throttled as exc:
            return _throttled(request, exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("tenancy:two_factor")
    return _two_factor_page(request, disable_form=form, status=422)


@require_POST
@team_required
def organization_two_factor(request):
    if request.membership.role != Role.OWNER:
        raise PermissionDenied
    required = request.POST.get("required") == "on"
    try:
        account.organization_set_two_factor(actor=request.membership, required=required)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("tenancy:two_factor")
    if required:
        messages.success(request, _("Two-factor sign-in is now required of every team member."))
    else:
        messages.success(request, _("Two-factor sign-in is no longer required."))
    return redirect("tenancy:two_factor")
