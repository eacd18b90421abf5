from django.urls import NoReverseMatch, reverse

from accord.comms.models import Notification

from .nav import MAIN_NAV


def accord(request):
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_team:
        return {"membership": membership}
    nav = []
    for item in MAIN_NAV:
        if item.admin_only and not membership.is_admin:
            continue
        try:
            nav.append({"key": item.key, "label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:  # an area whose pages are not installed
            continue
    unread = Notification.objects.filter(
        organization_id=membership.organization_id, user_id=membership.user_id, read_at__isnull=True
    ).count()
    return {"membership": membership, "main_nav": nav, "unread_notifications": unread}
