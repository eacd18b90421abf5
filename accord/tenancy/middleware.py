"""Puts the signed-in user's current membership on the request, and their language and time zone."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone, translation

from .models import Membership

SESSION_ORG_KEY = "accord_org_id"


def current_membership(request) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("organization", "user")
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
        response = self.get_response(request)
        timezone.deactivate()
        return response
