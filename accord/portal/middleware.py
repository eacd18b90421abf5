"""The client portal speaks the contact's language on every page a client contact opens."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from accord.crm.models import Contact


def contact_language(request) -> str | None:
    """The language a client contact's pages are shown in, or None to keep the browser's choice.

    A language the person chose with the switcher (stored on their account) wins; then the
    contact's language as the team recorded it; else the browser's Accept-Language stands.
    """
    member = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if member is None or not member.is_client:
        return None
    if user is None or user.language:
        return None
    contact = Contact.objects.filter(
        organization_id=member.organization_id, portal_user_id=member.user_id
    ).first()
    # The portal's pages look the contact up again through access.portal_contact: one query serves both.
    request.portal_contact = contact
    language = contact.language if contact is not None else ""
    if not language:
        return None
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return None


class PortalLanguageMiddleware:
    """Runs after MembershipMiddleware (which sets ``request.membership``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = contact_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if language and settings.USE_I18N:
            response.headers.setdefault("Content-Language", language)
        return response
