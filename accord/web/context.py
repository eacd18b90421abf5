from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accord.comms.models import Notification
from accord.core.nav import MAIN_NAV, NAV_GROUPS

GROUP_LABELS = {"insights": _("Insights"), "setup": _("Setup")}


def accord(request):
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_team:
        return {"membership": membership}
    nav = []
    groups: dict[str, dict] = {}
    for item in MAIN_NAV:
        if item.admin_only and not membership.is_admin:
            continue
        try:
            entry = {"key": item.key, "label": item.label, "url": reverse(item.url_name)}
        except NoReverseMatch:  # an area whose pages are not installed
            continue
        group = NAV_GROUPS.get(item.key)
        if group is None:
            nav.append(entry)
            continue
        if group not in groups:
            groups[group] = {"key": group, "label": GROUP_LABELS[group], "children": []}
            nav.append(groups[group])
        groups[group]["children"].append(entry)
    unread = Notification.objects.filter(
        organization_id=membership.organization_id, user_id=membership.user_id, read_at__isnull=True
    ).count()
    return {"membership": membership, "main_nav": nav, "unread_notifications": unread}
