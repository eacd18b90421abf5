"""Puts the signed-in user's current membership on the request, and their language and time zone."""

from __future__ import annotations

import zoneinfo

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Membership

SESSION_ORG_KEY = "accord_org_id"
# Loaded with the membership on every request; apps add what their page furniture needs (a
# one-to-one from the organisation, say) in ready(), so base pages cost no extra query.
MEMBERSHIP_RELATED = ["organization", "user"]
# Pages a team member must reach while their organisation waits for them to set up two-factor.
TWO_FACTOR_SETUP_URLS = (
    "tenancy:two_factor",
    "tenancy:two_factor_setup",
    "tenancy:two_factor_confirm",
    "tenancy:logout",
    "set_language",
)


def needs_two_factor_setup(request) -> bool:
    membership = request.membership
    return (
        membership is not None
        and membership.is_team
        and membership.organization.require_two_factor
        and not request.user.has_two_factor
    )


def _two_factor_gate(request):
    """Members without two-factor sign-in go to set it up before anything else."""
    allowed = {reverse(name) for name in TWO_FACTOR_SETUP_URLS}
    if request.path in allowed or request.path.startswith(("/static/", "/media/")):
        return None
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"message": _("Your organisation requires two-factor sign-in: set it up in your profile first.")},
            status=403,
        )
    return redirect("tenancy:two_factor")


def current_membership(request) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user, is_active=True).select_related(*MEMBERSHIP_RELATED)
    wanted = request.session.get(SESSION_ORG_KEY)
    if wanted:
        found = memberships.filter(organization_id=wanted).first()
        if found:
            return found
    return memberships.order_by("created_at", "pk").first()


class MembershipMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = getattr(request, "membership", None) or current_membership(request)
        request.membership = membership
        user = request.user
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone or "UTC"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        gate = None
        if user.is_authenticated and needs_two_factor_setup(request):
            gate = _two_factor_gate(request)
        response = gate or self.get_response(request)
        timezone.deactivate()
        return response
